"""A sitemap bomb and a link trap on loopback, crawled with the default bounds: does the crawl end by itself, and
in how much memory?

    python bench/hostile.py [--sitemaps 5000] [--urls 1000] [--links 20]

The portal's robots.txt names a sitemap index of ``--sitemaps`` sitemaps of ``--urls`` URLs each, and every page
links to ``--links`` new pages. ``aggregator crawl URL --json`` runs in a subprocess with the default bounds;
the script prints the requests the server saw, the run's outcome and reason, the wall time and the crawler's
peak RSS (ru_maxrss of the child).
"""

from __future__ import annotations

import argparse
import http.server
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def serve(sitemaps: int, urls: int, links: int):
    hits = {"n": 0, "sitemaps": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits["n"] += 1
            path = self.path
            if path == "/robots.txt":
                ctype, body = "text/plain", "Sitemap: /index.xml\n"
            elif path == "/index.xml":
                items = "".join(f"<sitemap><loc>/sm/{i}.xml</loc></sitemap>" for i in range(sitemaps))
                ctype, body = "application/xml", f"<?xml version='1.0'?><sitemapindex>{items}</sitemapindex>"
            elif path.startswith("/sm/"):
                hits["sitemaps"] += 1
                n = path[4:].split(".")[0]
                items = "".join(f"<url><loc>/p/{n}/{j}.html</loc></url>" for j in range(urls))
                ctype, body = "application/xml", f"<?xml version='1.0'?><urlset>{items}</urlset>"
            else:
                out = "".join(f'<a href="{path.rstrip("/")}/{j}/">下一页{j}</a>' for j in range(links))
                ctype, body = "text/html; charset=utf-8", f"<html><body><p>陷阱</p>{out}</body></html>"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sitemaps", type=int, default=5000)
    ap.add_argument("--urls", type=int, default=1000)
    ap.add_argument("--links", type=int, default=20)
    args = ap.parse_args()
    server, hits = serve(args.sitemaps, args.urls, args.links)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "agg.db"
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "aggregator.cli", "crawl", url, "--db", str(db), "--json", "-q"],
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
    server.shutdown()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:
        (summary,) = json.loads(proc.stdout)
    except ValueError:
        print(f"crawl failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    offered = args.sitemaps * args.urls
    print(
        f"portal: {args.sitemaps} sitemaps x {args.urls} URLs ({offered:,} URLs), {args.links} new links/page"
    )
    print(f"server saw {hits['n']:,} requests ({hits['sitemaps']} sitemaps); crawl exit {proc.returncode}")
    print(f"outcome: {summary['outcome']} ({summary['reason']})")
    print(f"wall {wall:.1f} s, crawler peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
