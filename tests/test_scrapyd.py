"""Deploy the project to Scrapyd exactly as the README's Scrapyd section says, in a fresh venv, and crawl.

A fresh venv, because that is where the deploy broke: scrapyd-deploy builds the egg with the venv's own
setuptools (the one `python -m venv` ships), and scrapyd reads the settings entry point from the egg.
"""

import json
import os
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
# what a fresh clone does not have (.gitignore) and what no build reads
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.pyc", "*.egg-info", "build", ".pytest_cache", ".ruff_cache",
    "*.db", "*.db-*", "out",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(url: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        return json.loads(response.read())


def run(args: list[str], cwd: Path, env: dict, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """The README's steps: a venv, `pip install -e ".[scrapyd]"`, `scrapyd &`, `scrapyd-deploy` from the root.

    The project is a copy of the working tree as a clone has it (pyproject.toml, setup.py, scrapy.cfg and
    all), so the build files it leaves (build/, *.egg-info) stay out of the tree; the one change is the
    deploy URL in its scrapy.cfg, so that this scrapyd can listen on a free port instead of 6800.
    """
    base = tmp_path_factory.mktemp("scrapyd")
    project = base / "project"
    shutil.copytree(ROOT, project, ignore=NOT_IN_A_CLONE)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_ = venv / "bin"
    # as if the venv were activated in a clean shell: nothing of the venv running the tests leaks in
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{bin_}:/usr/local/bin:/usr/bin:/bin"
    env["VIRTUAL_ENV"] = str(venv)

    probe = run(
        [str(bin_ / "pip"), "download", "--no-deps", "--retries", "1", "--timeout", "20", "-d", str(base / "probe"),
         "pip"],
        project, env, 120,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"pip cannot reach the package index: {probe.stderr.strip().splitlines()[-1:]}")
    for step in (["pip", "install", "-q", "-U", "pip"], ["pip", "install", "-q", "-e", ".[scrapyd]"]):
        done = run([str(bin_ / step[0]), *step[1:]], project, env, 900)
        assert done.returncode == 0, f"{' '.join(step)}: {done.stderr[-3000:]}"

    # scrapyd reads scrapyd.conf from its working directory and ~/.scrapyd.conf: HOME is ours, so a
    # configuration of the user running the tests cannot override this one
    home = base / "scrapyd-home"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\npoll_interval = 0.2\nmax_proc = 2\n"
    )
    env = {**env, "HOME": str(home)}
    proc = subprocess.Popen(
        [str(bin_ / "scrapyd")], cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
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

        cfg = (project / "scrapy.cfg").read_text()
        assert "url = http://127.0.0.1:6800/" in cfg and "project = aggregator" in cfg
        (project / "scrapy.cfg").write_text(cfg.replace("http://127.0.0.1:6800/", url))
        setup_py = (project / "setup.py").read_text()
        deploy = run([str(bin_ / "scrapyd-deploy")], project, env, 300)
        yield {"url": url, "home": home, "project": project, "deploy": deploy, "setup_py": setup_py}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_scrapyd_deploy_from_the_project_root_uploads_an_egg_scrapyd_can_run(deployed):
    deploy = deployed["deploy"]
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    answer = json.loads(deploy.stdout)
    assert answer["status"] == "ok" and answer["spiders"] == 1, deploy.stdout + deploy.stderr
    # the project's own setup.py was used: the deploy wrote nothing into the user's tree
    assert (deployed["project"] / "setup.py").read_text() == deployed["setup_py"]

    (egg,) = (deployed["home"] / "eggs" / "aggregator").glob("*.egg")
    with zipfile.ZipFile(egg) as z:
        names = z.namelist()
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert "aggregator/spiders/news.py" in names and "pipelines/store.py" in names
    assert "[scrapy]\nsettings = aggregator.settings" in entry_points
    assert api(deployed["url"] + "listspiders.json?project=aggregator")["spiders"] == ["news"]


def test_a_job_scheduled_through_the_scrapyd_api_stores_stories(deployed, portals, truth, tmp_path):
    url, home = deployed["url"], deployed["home"]
    assert deployed["deploy"].returncode == 0, deployed["deploy"].stderr
    db = tmp_path / "scrapyd.db"
    job = api(
        url + "schedule.json",
        {"project": "aggregator", "spider": "news", "url": portals["kjb"], "setting": f"AGGREGATOR_DB={db}"},
    )
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 90
    while True:
        jobs = api(url + "listjobs.json?project=aggregator")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.3)

    logs = list((home / "logs").rglob(f"{job['jobid']}.log"))
    log = logs[0].read_text() if logs else "(no log)"
    assert db.exists(), log[-3000:]
    with Store(db) as store:
        paths = {
            "/" + r["final_url"].split("/", 3)[3] for r in store.db.query("SELECT final_url FROM copies")
        }
        runs = list(store.db.query("SELECT * FROM runs"))
        stories = store.db.execute("SELECT count(*) FROM stories").fetchone()[0]
    assert paths == set(truth["portals"]["kjb"]["articles"]), log[-3000:]
    assert stories > 0
    (run_,) = runs
    assert run_["trigger"] == "scrapy" and run_["outcome"] == "ok"
    assert run_["source"] == portals["kjb"].split("/")[2]
