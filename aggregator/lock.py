"""Advisory locks next to the database: one per source, and one for ``aggregator run-due``.

``fcntl.flock`` on a file in ``<db>-locks/``: the kernel releases it when the holding process exits or is
killed, so a crashed run never blocks the next one, and no lock ever needs to be cleaned up by hand. The
holder's pid is written into the file, for messages only.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path


def lock_dir(db: str | Path) -> Path:
    return Path(str(db) + "-locks")


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", name) + ".lock"


class Lock:
    """A non-blocking exclusive lock: ``acquire()`` returns False at once if another process holds it."""

    def __init__(self, db: str | Path, name: str):
        self.name = name
        self.path = lock_dir(db) / _file_name(name)
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> int | None:
        """The pid written by the current holder (best effort)."""
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def is_free(self) -> bool:
        """Whether nobody (this process included, through another Lock) holds it right now."""
        if self.held:
            return False
        if not self.acquire():
            return False
        self.release()
        return True

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def source_lock(db: str | Path, source: str) -> Lock:
    return Lock(db, f"source-{source}")


def run_due_lock(db: str | Path) -> Lock:
    return Lock(db, "run-due")
