import pytest

from aggregator.config import ConfigError, load_sources, parse_sources

GOOD = """
[[source]]
name = "kjb"
kind = "portal"
start_urls = ["http://127.0.0.1:8101/"]
every = "30m"
publisher = "武汉科技报"
[source.selectors]
article_links = "ul.list a"
body = "div.TRS_Editor"

[[source]]
name = "feeds"
kind = "feed"
start_urls = ["http://127.0.0.1:8105/rss.xml"]
cron = "*/30 * * * *"
"""


def test_parses_sources_with_selectors_and_schedules():
    kjb, feeds = parse_sources(GOOD)
    assert kjb.name == "kjb" and kjb.kind == "portal" and kjb.publisher == "武汉科技报"
    assert kjb.start_urls == ("http://127.0.0.1:8101/",)
    assert kjb.selectors.article_links == "ul.list a" and kjb.selectors.body == "div.TRS_Editor"
    assert kjb.interval_seconds == 1800
    assert feeds.kind == "feed" and feeds.cron == "*/30 * * * *" and feeds.interval_seconds is None


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('[[source]]\nname = "a"\nkind = "portl"\nstart_urls = ["http://x/"]\n', 3, "unknown kind 'portl'"),
        ('[[source]]\nname = "a"\nstart_urls = "ftp://x/"\n', 3, "not an http(s) URL"),
        ('[[source]]\nname = "a"\n', 1, "start_urls must be a non-empty list"),
        ('[[source]]\nname = "a"\nstart_urls = ["http://x/"\n', 3, "invalid TOML"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n\n[[source]]\nname = "a"\nstart_urls = ["http://y/"]\n',
            6,
            "duplicate source name 'a'",
        ),
        ('[[source]]\nname = "a"\nstart_urls = ["http://x/"]\nevery = "often"\n', 4, "bad interval"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\ncron = "61 * * * *"\n',
            4,
            "bad cron expression",
        ),
        ('[[source]]\nname = "a"\nstart_urls = ["http://x/"]\nstrat = 1\n', 4, "unknown key 'strat'"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n[source.selectors]\nbody = "div[[["\n',
            5,
            "selector 'body' is not valid CSS or XPath",
        ),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n[source.selectors]\nbody = "//div[@class="\n',
            5,
            "not valid CSS or XPath",
        ),
    ],
)
def test_broken_file_names_the_line(text, line, words):
    with pytest.raises(ConfigError) as err:
        parse_sources(text, "sources.toml")
    assert str(err.value).startswith(f"sources.toml:{line}:")
    assert words in str(err.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such sources file"):
        load_sources(tmp_path / "nope.toml")


def test_bundled_sources_file_is_valid():
    from pathlib import Path

    sources = load_sources(Path(__file__).parent.parent / "data" / "sources.toml")
    assert {s.kind for s in sources} == {"portal", "feed", "sitemap"}
