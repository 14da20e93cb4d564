"""The one entry point, extract() (aggregator/extract/__init__.py): every field of a page at once."""

from extract_pages import FETCHED, SEED_HTML

from aggregator.extract import extract


def test_seed_through_extract():
    art = extract(SEED_HTML, "http://example.com/kj/1.html", fetched_at=FETCHED)
    assert art.title == "湖北大冶:凝聚科技创新磅礴力量 打造全国县域创新高地"
    assert art.source == "武汉科技报"
    assert art.reporters == ["郑莉莉", "张宇驰", "任文"]
    assert art.correspondents == ["朱勇进", "冯星星"]
    assert art.editors == ["陈丽萍"]
    assert art.published is None
    assert "王宇静" not in art.reporters + art.correspondents
    assert "记者:郑莉莉" not in art.body
