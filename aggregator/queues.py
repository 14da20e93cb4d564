"""The scheduler's memory queue (SCHEDULER_MEMORY_QUEUE), holding each waiting request as a tuple.

The crawl is breadth-first over every source at once, so the links of all front pages wait in the scheduler
together: ≈ 20 per portal, 19,000 for 1,000 portals. A waiting ``Request`` costs ≈ 2.4 KB: its ``Headers``,
the parsed URL and fingerprint Scrapy caches per request object, its entry in Scrapy's live-object tracking.
The tuple keeps only what the request is made of (≈ 0.8 KB with its meta and Referer), and the request is
made again when it leaves the queue (≈ 60 µs, most of it ``safe_url_string``, against ≈ 6 ms of the crawl
process's CPU for the page it fetches).
"""

from __future__ import annotations

from collections import deque

from scrapy import Request


def _compact(request: Request) -> tuple | Request:
    # anything but a plain GET the spider made (a subclass, a body, cookies, callback arguments) stays as it is
    if (
        type(request) is not Request
        or request.method != "GET"
        or request.body
        or request.cookies
        or request.cb_kwargs
        or request.flags
        or request.encoding != "utf-8"
    ):
        return request
    headers = tuple((k, tuple(v)) for k, v in request.headers.items()) if request.headers else None
    return (
        request.url,
        request.callback,
        request.errback,
        request.meta,
        headers,
        request.priority,
        request.dont_filter,
    )


def _expand(entry: tuple | Request) -> Request:
    if not isinstance(entry, tuple):
        return entry
    url, callback, errback, meta, headers, priority, dont_filter = entry
    return Request(
        url,
        callback=callback,
        errback=errback,
        meta=meta,
        headers=headers,
        priority=priority,
        dont_filter=dont_filter,
    )


class CompactFifoMemoryQueue:
    """Scrapy's FifoMemoryQueue, storing requests as tuples."""

    def __init__(self):
        self.entries: deque = deque()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        return cls()

    def push(self, request: Request) -> None:
        self.entries.append(_compact(request))

    def pop(self) -> Request | None:
        return _expand(self.entries.popleft()) if self.entries else None

    def peek(self) -> Request | None:
        if not self.entries:
            return None
        # the request peeked at is the one popped next
        request = self.entries[0] = _expand(self.entries[0])
        return request

    def close(self) -> None:
        self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)
