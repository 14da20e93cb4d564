"""Deploy the project to a real Scrapyd on loopback, schedule a crawl through its API, find the stories."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from aggregator.store import Store

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(
    not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists(),
    reason="scrapyd and scrapyd-client are not installed (pip install -e '.[test]')",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(url: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A scrapyd of its own: config, eggs, logs and job queue in a temporary directory, on a free port."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\npoll_interval = 0.2\nmax_proc = 2\n"
    )
    # HOME: a ~/.scrapyd.conf of the user running the tests must not override ours
    proc = subprocess.Popen(
        [str(BIN / "scrapyd")],
        cwd=home,
        env={"PATH": str(BIN) + ":/usr/bin:/bin", "HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            if api(url + "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"scrapyd did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield url, home
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_deploy_to_scrapyd_and_crawl_through_its_api(scrapyd, portals, truth, tmp_path):
    url, home = scrapyd
    # deploy from a copy of the project, so the setup.py that scrapyd-deploy writes stays out of the tree
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("aggregator", "pipelines"):
        shutil.copytree(ROOT / package, project / package, ignore=ignore)
    cfg = (ROOT / "scrapy.cfg").read_text()
    assert "[deploy]" in cfg and "project = aggregator" in cfg
    (project / "scrapy.cfg").write_text(cfg.replace("http://127.0.0.1:6800/", url))
    deploy = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "--version", "r1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert deploy.returncode == 0, deploy.stderr
    answer = json.loads(deploy.stdout)
    assert answer["status"] == "ok" and answer["spiders"] == 1, deploy.stdout + deploy.stderr

    (egg,) = (home / "eggs" / "aggregator").glob("*.egg")
    names = zipfile.ZipFile(egg).namelist()
    assert "aggregator/spiders/news.py" in names and "pipelines/store.py" in names
    assert api(url + "listspiders.json?project=aggregator")["spiders"] == ["news"]

    db = tmp_path / "scrapyd.db"
    job = api(
        url + "schedule.json",
        {"project": "aggregator", "spider": "news", "url": portals["kjb"], "setting": f"AGGREGATOR_DB={db}"},
    )
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 45
    while True:
        jobs = api(url + "listjobs.json?project=aggregator")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.3)

    logs = list((home / "logs").rglob("*.log"))
    log = logs[0].read_text() if logs else ""
    with Store(db) as store:
        paths = {
            "/" + r["final_url"].split("/", 3)[3] for r in store.db.query("SELECT final_url FROM copies")
        }
        (run,) = store.db.query("SELECT * FROM runs")
    assert paths == set(truth["portals"]["kjb"]["articles"]), log[-3000:]
    assert (
        run["trigger"] == "scrapy"
        and run["outcome"] == "ok"
        and run["source"] == portals["kjb"].split("/")[2]
    )
