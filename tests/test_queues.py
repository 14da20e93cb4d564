"""The scheduler's memory queue keeps waiting requests as tuples (issue 18) and gives back the same requests."""

from scrapy import FormRequest, Request

from aggregator import settings as project_settings
from aggregator.config import source_for_urls
from aggregator.queues import CompactFifoMemoryQueue
from aggregator.requests import PAGE, source_request
from aggregator.spiders.news import NewsSpider

ATTRIBUTES = ("url", "callback", "errback", "method", "body", "meta", "priority", "dont_filter", "encoding")


def test_the_crawl_queues_its_requests_in_the_compact_queue():
    assert project_settings.SCHEDULER_MEMORY_QUEUE == "aggregator.queues.CompactFifoMemoryQueue"


def test_a_request_comes_out_as_it_went_in_first_in_first_out():
    spider = NewsSpider(url="http://127.0.0.1:9100/")
    src = spider.targets[0]
    made = []
    for i in range(3):
        request = spider._request(f"http://127.0.0.1:9100/a/{i}.html", src, PAGE, link_text=" 第一条新闻 ")
        request.meta["depth"] = 1
        request.headers["Referer"] = "http://127.0.0.1:9100/"
        request.priority = -1
        made.append(request)
    queue = CompactFifoMemoryQueue.from_crawler(None)
    for request in made:
        queue.push(request)
    assert len(queue) == 3
    peeked = queue.peek()
    out = [queue.pop() for _ in range(3)]
    assert queue.pop() is None and len(queue) == 0
    assert out[0] is peeked
    for before, after in zip(made, out, strict=True):
        assert type(after) is Request
        assert {a: getattr(after, a) for a in ATTRIBUTES} == {a: getattr(before, a) for a in ATTRIBUTES}
        assert after.headers.getlist("Referer") == [b"http://127.0.0.1:9100/"]
        assert after.meta["source"] is src and after.meta["link_text"] == "第一条新闻"


def test_a_request_with_more_than_a_url_and_meta_is_kept_as_it_is():
    src = source_for_urls(["http://127.0.0.1:9100/"])
    form = FormRequest("http://127.0.0.1:9100/search", formdata={"q": "新闻"})
    with_cookies = source_request("http://127.0.0.1:9100/a.html", src, PAGE, cookies={"k": "v"})
    with_kwargs = source_request("http://127.0.0.1:9100/b.html", src, PAGE, cb_kwargs={"n": 1})
    queue = CompactFifoMemoryQueue()
    for request in (form, with_cookies, with_kwargs):
        queue.push(request)
    assert [queue.pop() for _ in range(3)] == [form, with_cookies, with_kwargs]
