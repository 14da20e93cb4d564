import json
from pathlib import Path

import pytest

from aggregator.demo.server import serve_portals

TRUTH = json.loads((Path(__file__).parent.parent / "aggregator" / "demo" / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def truth():
    return TRUTH


@pytest.fixture(scope="session")
def portals():
    """The demo portals on ephemeral loopback ports, for the whole test session."""
    with serve_portals() as servers:
        yield servers.urls
