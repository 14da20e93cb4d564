"""The advisory locks next to the database (aggregator/lock.py): one per source, one for ``run-due``.

What the crawl and ``run-due`` do with them (skip a locked source, leave when another run-due runs) is tested
with the commands in test_runs.py and test_one_crawler.py, the SourceLock extension that takes them in
test_extensions.py; here, the locks themselves, held by real processes.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.lock import Lock, LockError, check, lock_dir, run_due_lock, source_lock

ROOT = Path(__file__).parent.parent

HOLDER = """
import sys
from aggregator.lock import source_lock
lock = source_lock(sys.argv[1], sys.argv[2])
print("locked" if lock.acquire() else "busy", flush=True)
sys.stdin.read()  # hold it until told to stop (or killed)
"""


@pytest.fixture
def holder(tmp_path):
    """Start a process that takes a source's lock; it holds it until its stdin closes or it is killed."""
    procs = []

    def start(db, name):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db), name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        procs.append(proc)
        return proc, proc.stdout.readline().strip()

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def test_a_lock_held_by_another_process_is_refused_and_names_its_holder(tmp_path, holder):
    db = tmp_path / "a.db"
    proc, said = holder(db, "kjb")
    assert said == "locked"
    lock = source_lock(db, "kjb")
    assert not lock.acquire() and not lock.held
    assert lock.holder() == proc.pid  # for the message "being crawled by another process (pid N)"
    assert not lock.is_free()
    assert source_lock(db, "cjrb").acquire()  # other sources are not held up


def test_a_killed_holder_never_blocks_the_next_run(tmp_path, holder):
    db = tmp_path / "a.db"
    proc, said = holder(db, "kjb")
    assert said == "locked"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    lock = source_lock(db, "kjb")
    assert lock.is_free()  # nothing to clean up by hand: the kernel let go with the process
    assert lock.acquire() and lock.holder() == os.getpid()
    lock.release()


def test_a_holder_that_ends_lets_go_and_a_waiting_process_sees_it(tmp_path, holder):
    db = tmp_path / "a.db"
    first, said = holder(db, "kjb")
    second, second_said = holder(db, "kjb")
    assert (said, second_said) == ("locked", "busy")
    first.stdin.close()
    first.wait(timeout=10)
    assert source_lock(db, "kjb").is_free()


def test_two_locks_in_one_process_exclude_each_other_and_release_on_leaving_the_block(tmp_path):
    db = tmp_path / "a.db"
    with source_lock(db, "kjb") as first:
        assert first.acquire() and first.acquire()  # taking it again is a no-op, not a deadlock
        second = source_lock(db, "kjb")
        assert not second.acquire() and not second.is_free()
    assert not first.held and second.is_free()
    assert second.acquire()
    second.release()
    second.release()  # releasing twice is harmless


def test_the_run_due_lock_is_not_a_source_lock(tmp_path):
    db = tmp_path / "a.db"
    with run_due_lock(db) as run_due:
        assert run_due.acquire()
        assert source_lock(db, "run-due").acquire()  # a source may be called run-due


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "名字", "x y"])
def test_any_source_name_gives_a_lock_file_inside_the_lock_directory(tmp_path, name):
    db = tmp_path / "a.db"
    lock = source_lock(db, name)
    assert lock.path.parent == lock_dir(db) == tmp_path / "a.db-locks"
    assert lock.acquire()
    lock.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db-locks"]


def test_reading_whether_a_lock_is_free_creates_nothing(tmp_path):
    lock = source_lock(tmp_path / "a.db", "kjb")
    assert lock.is_free() and lock.holder() is None  # `aggregator runs` asks this of every source
    assert not lock_dir(tmp_path / "a.db").exists()


def test_lock_files_are_private_also_when_an_older_version_made_them_readable(tmp_path):
    lock = Lock(tmp_path / "a.db", "kjb")
    lock.path.parent.mkdir(mode=0o700)
    lock.path.write_text("123\n")
    lock.path.chmod(0o644)
    assert lock.acquire()
    assert lock.path.stat().st_mode & 0o777 == 0o600
    assert lock.path.parent.stat().st_mode & 0o777 == 0o700
    assert lock.holder() == os.getpid()  # the old holder's pid is replaced
    lock.release()


def test_check_refuses_a_symbolic_link_before_a_crawl_starts_and_leaves_its_target_alone(tmp_path):
    db = tmp_path / "a.db"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    lock_dir(db).mkdir()
    source_lock(db, "kjb").path.symlink_to(victim)
    with pytest.raises(LockError, match="symbolic link"):
        check(db, "source-kjb")
    with pytest.raises(LockError, match="symbolic link"):
        source_lock(db, "kjb").acquire()
    assert victim.read_text() == "precious\n"
    check(db, "source-cjrb")  # the other sources' locks are fine


def test_a_lock_directory_that_is_a_symbolic_link_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lock_dir(tmp_path / "a.db").symlink_to(elsewhere)
    with pytest.raises(LockError, match="not a directory"):
        source_lock(tmp_path / "a.db", "kjb").acquire()
    assert list(elsewhere.iterdir()) == []


def test_a_lock_file_with_another_hard_link_is_refused(tmp_path):
    from aggregator.lock import LockError, source_lock

    db = tmp_path / "a.db"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    lock = source_lock(db, "kjb")
    lock.path.parent.mkdir()
    os.link(victim, lock.path)
    with pytest.raises(LockError, match="hard link"):
        lock.acquire()
    assert victim.read_text() == "precious\n"
