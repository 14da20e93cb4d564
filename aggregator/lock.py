"""Advisory locks next to the database: one per source, and one for ``aggregator run-due``.

``fcntl.flock`` on a file in ``<db>-locks/``: the kernel releases it when the holding process exits or is
killed, so a crashed run never blocks the next one, and no lock ever needs to be cleaned up by hand. The
holder's pid is written into the file, for messages only.

The lock file is truncated and written, so it is opened with ``O_NOFOLLOW``: a symbolic link planted in its
place (by anyone who can write to the directory) would otherwise make the crawl overwrite the file it points
to. The directory is made 0700 and the files 0600, like the database next to them.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
from pathlib import Path


class LockError(OSError):
    """A lock file that must not be used (a symbolic link, not a regular file); the message says why."""


def lock_dir(db: str | Path) -> Path:
    return Path(str(db) + "-locks")


def _open_lock_file(path: Path) -> int:
    """The lock file, opened for writing without following a symbolic link, and only if it is a file."""
    # a dangling symbolic link or a file where the directory should be is refused just below
    with contextlib.suppress(FileExistsError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.is_symlink() or not path.parent.is_dir():
        raise LockError(f"{path.parent}: not a directory (a symbolic link?); refusing to keep locks there")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockError(f"{path}: is a symbolic link; refusing to use it as a lock file") from None
        raise
    st = os.fstat(fd)
    # a hard link is as dangerous as a symbolic one: the pid would be written into the file it shares
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        what = "has other hard links" if stat.S_ISREG(st.st_mode) else "is not a regular file"
        raise LockError(f"{path}: {what}; refusing to use it as a lock file")
    if st.st_mode & 0o077:  # made by an older version, readable by all
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)
    return fd


def check(db: str | Path, name: str) -> None:
    """Raise LockError now if the lock ``name`` could never be taken (its path is a symbolic link...)."""
    os.close(_open_lock_file(Lock(db, name).path))


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
        fd = _open_lock_file(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        # the pid is for messages only: a full disk must not cost the lock
        with contextlib.suppress(OSError):
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
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            return int(os.read(fd, 32).decode().strip() or 0) or None
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)

    def is_free(self) -> bool:
        """Whether nobody (this process included, through another Lock) holds it right now."""
        if self.held:
            return False
        # read-only and creating nothing: readers (``aggregator runs``) call this too
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            return True  # a holder creates the file before it locks it
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return False
        finally:
            os.close(fd)
        return True

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def source_lock(db: str | Path, source: str) -> Lock:
    return Lock(db, f"source-{source}")


def run_due_lock(db: str | Path) -> Lock:
    return Lock(db, "run-due")
