"""Imported by the extraction forkserver only (``aggregator.workers.PRELOAD``), once, before it forks any worker.

The workers fork from the forkserver and share its memory copy-on-write for as long as neither writes to it. Two
things used to make every worker copy most of it (≈ 50 MB each, measured with /proc/PID/smaps_rollup after a
crawl of 200 portals):

- extraction loads most of its code on the first page (``extract()`` imports the parsers when called;
  datasketch, scipy and OpenCC's dictionaries on the first fingerprint; patterns compiled on first use), so
  each worker loaded them again, into its own memory: one page extracted and signed here loads them once;
- Python's cyclic collector writes into the header of every object it examines, so each worker's first full
  collections copied every page holding the preloaded objects: ``gc.freeze()`` moves them out of the
  collector's sight (they live as long as the process anyway), and the workers inherit that.
"""

import gc

import aggregator.writer  # noqa: F401  the store's writer process forks from here too (numpy, sqlite-utils)
from aggregator.workers import SAMPLE_PAGE, process_page

process_page(SAMPLE_PAGE)
# what the page left behind goes now, so that the frozen objects are the ones that live for good
gc.collect()
gc.freeze()
