"""The crawl benchmark (issue #7): a large generated loopback portal, crawled bare and with the full pipeline.

``python -m bench.crawl.run --help``; see ``bench/crawl/README.md``.
"""
