"""Spiders discover and fetch pages; they never extract article fields (the pipelines do)."""
