from aggregator.discovery import robots_sitemaps, sniff_xml, worth_following


def test_assets_and_actions_are_not_followed():
    assert worth_following("http://a.test/content/2023-01/09/content_1.html")
    assert worth_following("http://a.test/list/keji_2.html?page=2")
    for url in (
        "http://a.test/img/logo.PNG",
        "http://a.test/static/app.js",
        "http://a.test/files/report.pdf",
        "http://a.test/user/login?next=/",
        "mailto:editor@a.test",
        "ftp://a.test/x.html",
    ):
        assert not worth_following(url), url


def test_sniff_xml_tells_feeds_from_sitemaps():
    assert sniff_xml(b'<?xml version="1.0"?>\n<rss version="2.0"><channel>') == "feed"
    assert sniff_xml(b'<feed xmlns="http://www.w3.org/2005/Atom">') == "feed"
    assert (
        sniff_xml(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        == "sitemap"
    )
    assert sniff_xml(b"<?xml version='1.0'?><sitemapindex>") == "sitemap"
    assert sniff_xml(b"<!DOCTYPE html><html>") is None


def test_robots_sitemaps():
    text = (
        "User-agent: *\nDisallow: /admin/\nSitemap: http://a.test/sitemap.xml\nsitemap:http://a.test/s2.xml\n"
    )
    assert robots_sitemaps(text) == ["http://a.test/sitemap.xml", "http://a.test/s2.xml"]
