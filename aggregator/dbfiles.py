"""The database file: created private, opened read-only without writing to it, and checked before it is read.

Apart from the Store (aggregator/store.py), which only decides what to open: these are the steps where a path
from the command line meets the file system, and where a wrong file must be refused with a clear message.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from pathlib import Path

import sqlite_utils

from aggregator.schema import SchemaError


class StoreError(Exception):
    """The database cannot be opened or used; the message says why."""


def create_private(path: Path) -> None:
    """Create the database's directory (0700) and file (0600) if they do not exist.

    Stories are not secret, but the runs, hosts and pids need not be readable by every local user. SQLite
    gives the WAL, SHM and journal files it makes later the mode of the database file, so they are 0600 too.
    An existing file keeps the mode its owner gave it.
    """
    missing = []
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    if not parent.is_dir():  # a file where a directory of the path should be: name it, not what mkdir says
        raise StoreError(f"cannot create the database {path}: {parent} is not a directory")
    for directory in reversed(missing):
        with suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    # an empty file is an empty SQLite database; an existing one is opened as it is
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def connect_readonly(path: Path, timeout: float) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"{path}: no such database file")
    # a URI, so that SQLite itself refuses to write (no schema, no WAL switch); as_uri() escapes ? and #
    uri = path.absolute().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)


def check_readable(db: sqlite_utils.Database, path) -> None:
    """Refuse a file that is not an aggregator database, or one this version cannot read as it is."""
    from aggregator.schema import migrations

    applied = {m.name for m in migrations.applied(db)}
    known = [m.name for m in migrations._migrations]
    if not applied:
        raise StoreError(
            f"{path}: not a usable aggregator database (no aggregator schema in it); it was left unchanged"
        )
    unknown = applied - set(known)
    if unknown:
        raise SchemaError(
            f"database has migrations this aggregator does not know ({', '.join(sorted(unknown))}): upgrade"
        )
    pending = [name for name in known if name not in applied]
    if pending:
        raise StoreError(
            f"{path}: written by an older aggregator (missing {', '.join(pending)}); a command that writes "
            "(crawl, run-due, rebuild) upgrades it"
        )
