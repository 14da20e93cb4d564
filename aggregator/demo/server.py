"""Serve the generated demo portals on loopback, one ThreadingHTTPServer per portal.

with serve_portals() as portals:          # ephemeral ports
    portals.urls["kjb"]                   # "http://127.0.0.1:PORT/"
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEMO_DIR = Path(__file__).resolve().parent
PORTALS_DIR = DEMO_DIR / "portals"
PORTAL_ORDER = ["kjb", "cjrb", "xinxi", "gbk", "feedsite", "mapsite"]
_PLACEHOLDER = re.compile(rb"\{\{base:([a-z0-9_]+)\}\}")
_HTML = {".html", ".htm", ".shtml"}


def _encodings() -> dict[str, str]:
    truth = json.loads((DEMO_DIR / "truth.json").read_text(encoding="utf-8"))
    return {name: p["encoding"] for name, p in truth["portals"].items()}


class _Handler(BaseHTTPRequestHandler):
    server_version = "DemoPortal/1.0"

    def __init__(
        self, *args, root: Path, utf8: bool, bases: dict[str, bytes], delay: float = 0.0, log=None, **kwargs
    ):
        self.root, self.utf8, self.bases, self.delay, self.log = root, utf8, bases, delay, log
        super().__init__(*args, **kwargs)

    def send_response(self, code, message=None):
        if self.log is not None:
            self.log.append((self.server.server_address[1], self.path, int(code)))
        super().send_response(code, message)

    def log_message(self, format, *args):  # noqa: A002 - keep test output and the CLI quiet
        pass

    def do_HEAD(self):
        self._respond(body=False)

    def do_GET(self):
        self._respond(body=True)

    def _respond(self, body: bool) -> None:
        if self.delay:
            time.sleep(self.delay)  # a slow site (bench/distributed.py): fetching, not the CPU, is the limit
        file = self._resolve(unquote(urlsplit(self.path).path))
        if file is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        # substitute on bytes: the GBK portal's bytes must stay GBK
        data = _PLACEHOLDER.sub(lambda m: self.bases.get(m.group(1).decode(), m.group(0)), file.read_bytes())
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        mtime = int(file.stat().st_mtime)
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self._content_type(file))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _resolve(self, path: str) -> Path | None:
        rel = path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        file = (self.root / rel).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            return None
        return file

    def _not_modified(self, etag: str, mtime: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return mtime <= since
        return False

    def _content_type(self, file: Path) -> str:
        if file.suffix in _HTML:
            # the GBK portal declares its charset only in <meta>, as such portals do
            return "text/html; charset=utf-8" if self.utf8 else "text/html"
        if file.name == "rss.xml":
            return "application/rss+xml; charset=utf-8"
        if file.suffix == ".xml":
            return "application/xml; charset=utf-8"
        return "text/plain; charset=utf-8"


class PortError(OSError):
    """A portal's port cannot be bound (taken by another program, or not allowed): says which one."""

    def __init__(self, portal: str, host: str, port: int, cause: OSError):
        super().__init__(
            cause.errno, f"cannot serve the demo portal {portal} on {host}:{port}: {cause.strerror}"
        )
        self.portal, self.host, self.port = portal, host, port

    def __str__(self) -> str:
        return self.strerror


class PortalServers:
    """One loopback HTTP server per demo portal; use as a context manager or call start()/stop()."""

    def __init__(
        self, host: str = "127.0.0.1", port_base: int | None = None, delay: float = 0.0, record: bool = False
    ):
        self.host, self.port_base, self.delay = host, port_base, delay
        self.urls: dict[str, str] = {}
        # with ``record``, every request answered, as (port, path, status), in order: what a crawl fetched
        # (tests/test_distributed.py); off by default, so `aggregator demo --serve` does not grow for days
        self.log: list[tuple[int, str, int]] | None = [] if record else None
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> PortalServers:
        encodings = _encodings()
        bases: dict[str, bytes] = {}
        handlers: dict[str, dict] = {}
        try:
            # bind every port before serving so each page can name every portal's real address
            for i, name in enumerate(PORTAL_ORDER):
                port = 0 if self.port_base is None else self.port_base + i
                try:
                    server = ThreadingHTTPServer((self.host, port), _Handler)
                except OSError as exc:
                    raise PortError(name, self.host, port, exc) from None
                server.daemon_threads = True
                self._servers.append(server)
                base = f"http://{self.host}:{server.server_address[1]}"
                self.urls[name] = base + "/"
                bases[name] = base.encode("ascii")
                handlers[name] = {"root": PORTALS_DIR / name, "utf8": encodings[name] == "utf-8"}
        except OSError:
            self.stop()
            raise
        for name, server in zip(PORTAL_ORDER, self._servers, strict=True):
            server.RequestHandlerClass = partial(
                _Handler, bases=bases, delay=self.delay, log=self.log, **handlers[name]
            )
            thread = threading.Thread(target=server.serve_forever, name=f"demo-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        # only servers whose loop runs may be shut down: shutdown() on an idle server blocks forever
        for server, _ in zip(self._servers, self._threads, strict=False):
            server.shutdown()
        for server in self._servers:
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> PortalServers:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_portals(
    host: str = "127.0.0.1", port_base: int | None = None, delay: float = 0.0, record: bool = False
) -> PortalServers:
    """`with serve_portals() as p: p.urls[...]`; None: free ports, else portal i gets port_base+i; ``delay``:
    seconds each response waits; ``record``: keep every request answered in ``p.log``."""
    return PortalServers(host, port_base, delay, record)


if __name__ == "__main__":  # manual browsing: python -m aggregator.demo.server [PORT_BASE]
    import sys
    import time

    with serve_portals(port_base=int(sys.argv[1]) if len(sys.argv) > 1 else None) as running:
        for name, address in running.urls.items():
            print(f"{name:9} {address}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
