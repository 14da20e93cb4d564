import inspect

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from aggregator.items import PageItem
from aggregator.store import Store
from pipelines.dedupe import DedupePipeline
from pipelines.extract import ExtractPipeline
from pipelines.store import StorePipeline

PARAS = "".join(
    f"<p>第{i}段：大冶坚持全区域、多层次推进科技创新，探索出了一条资源城市转型发展的创新之路，已连续四年获评优秀县市。</p>"
    for i in range(6)
)
ARTICLE = f"""<html><head><meta charset="utf-8"><title>大冶打造县域创新高地_科技_武汉科技报</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/keji/">科技</a></div>
<h1>大冶打造县域创新高地</h1><div class="info">2023-01-09 08:30 来源：武汉科技报</div>
<div class="TRS_Editor">{PARAS}<p>记者：郑莉莉 张宇驰</p></div></body></html>"""
LIST_PAGE = "<html><body><ul>" + "".join(
    f'<li><a href="/a/{i}.html">第{i}条新闻标题</a></li>' for i in range(30)
)
LIST_PAGE += "</ul></body></html>"


def page(url="http://kjb.test/content/1.html", html=ARTICLE, **kw) -> PageItem:
    return PageItem(
        url=url, final_url=url, portal="kjb.test", html=html, fetched_at="2023-01-10T00:00:00+00:00", **kw
    )


@pytest.fixture
def crawler(tmp_path):
    # in this process: the stages are called here one after the other, without a reactor
    return get_crawler(settings_dict={"AGGREGATOR_DB": str(tmp_path / "p.db"), "AGGREGATOR_WORKERS": 0})


def settle(result):
    """The result of a process_item; the extraction stage is a coroutine, which in-process (no pool:
    open_spider not called) completes without waiting."""
    if not inspect.iscoroutine(result):
        return result
    try:
        result.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the in-process extraction waited for something")


def run(crawler, item):
    stages = [cls.from_crawler(crawler) for cls in (ExtractPipeline, DedupePipeline, StorePipeline)]
    stages[2].open_spider()
    try:
        for stage in stages:
            item = settle(stage.process_item(item))
    finally:
        settle(stages[2].close_spider())
    return item


def test_article_goes_through_all_stages_into_the_store(crawler):
    item = run(crawler, page(publisher="武汉科技报", source_name="kjb"))
    assert item.article["title"] == "大冶打造县域创新高地"
    assert item.canonical_url == "http://kjb.test/content/1.html" and item.fingerprint.body_hash
    stats = crawler.stats.get_stats()
    assert stats["extract/article"] == 1 and stats["store/new_story"] == 1
    with Store(crawler.settings["AGGREGATOR_DB"]) as store:
        (story,) = store.iter_stories()
        assert "第0段" in story["body"] and "首页" not in story["body"]
        (row,) = store.db.query("SELECT is_original, source_name FROM copies")
        assert row == {"is_original": 1, "source_name": "kjb"}


def test_non_article_page_is_dropped_and_counted(crawler):
    with pytest.raises(DropItem, match="not an article"):
        settle(
            ExtractPipeline.from_crawler(crawler).process_item(page("http://kjb.test/list.html", LIST_PAGE))
        )
    assert crawler.stats.get_value("extract/not_article") == 1


def test_same_url_twice_in_a_run_is_dropped_by_dedupe(crawler):
    extract, dedupe = ExtractPipeline.from_crawler(crawler), DedupePipeline.from_crawler(crawler)
    dedupe.process_item(settle(extract.process_item(page("http://kjb.test/content/1.html?b=1&a=2"))))
    with pytest.raises(DropItem, match="already processed"):
        dedupe.process_item(settle(extract.process_item(page("http://kjb.test/content/1.html?a=2&b=1#x"))))
    assert crawler.stats.get_value("dedupe/duplicate_url") == 1
