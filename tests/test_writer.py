"""The store's writer process (aggregator/writer.py): a crawl stores through it, and survives its death."""

import pytest_twisted
from test_one_crawler import _unique_paragraph, crawl

from aggregator.config import Source
from aggregator.store import Store


def _stored(db) -> dict[str, tuple]:
    with Store(db) as store:
        rows = store.db.query(
            "SELECT c.url, c.title, c.source, c.reporters, s.title AS story FROM copies c "
            "JOIN stories s ON s.id = c.story_id"
        )
        return {
            "/" + r["url"].split("/", 3)[3]: (r["title"], r["source"], r["reporters"], r["story"])
            for r in rows
        }


@pytest_twisted.ensureDeferred
async def test_a_crawl_stores_the_same_through_the_writer_process_as_in_its_own(portals, truth, tmp_path):
    src = Source(name="kjb", kind="portal", start_urls=(portals["kjb"],))
    (here,), _, _ = await crawl(tmp_path / "here.db", [src], AGGREGATOR_WORKERS=0)
    (there,), _, _ = await crawl(tmp_path / "there.db", [src])
    assert there.outcome == here.outcome == "ok"
    assert there.stat("store/new_story") == here.stat("store/new_story") > 0
    stored = _stored(tmp_path / "there.db")
    assert stored == _stored(tmp_path / "here.db")
    assert set(stored) == set(truth["portals"]["kjb"]["articles"])


@pytest_twisted.ensureDeferred
async def test_a_copy_that_kills_the_writer_is_lost_and_counted_and_a_new_writer_stores_the_rest(
    portals, truth, tmp_path
):
    path, marker = _unique_paragraph("kjb", truth["portals"]["kjb"]["articles"])
    db = tmp_path / "crash.db"
    src = Source(name="kjb", kind="portal", start_urls=(portals["kjb"],))
    # test-only fault: the writer exits (os._exit) before storing the copy holding the marker
    (res,), _, _ = await crawl(db, [src], AGGREGATOR_TEST_WORKER_FAULTS={"store_crash": marker})
    assert res.stat("store/error") == 1 and res.outcome == "partial"
    assert set(_stored(db)) == set(truth["portals"]["kjb"]["articles"]) - {path}
