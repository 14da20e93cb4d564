"""Repost portals built from real corpus articles, and the crawl evaluation over them (issue #4)."""
