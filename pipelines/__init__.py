"""Item pipelines, in order: extract and clean, dedupe, store. Thin adapters over ``aggregator``'s functions."""
