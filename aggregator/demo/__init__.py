"""Demo portals: fictional newspaper and repost sites served on loopback for `aggregator demo` and tests."""
