"""aggregator: crawl news portals, clean each article, recognise reposts, store every story once."""

__version__ = "0.1.0"
