"""The ``aggregator`` command. Each module here registers its subcommands; each is a thin layer over the
library, and every error is one clear line on stderr with a non-zero exit status."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
from pathlib import Path

from aggregator import __version__

DEFAULT_DB = "data/aggregator.db"
DEFAULT_SOURCES = "data/sources.toml"


class CliError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, as every other error (the full usage block is what --help is for)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def main(argv: list[str] | None = None) -> int:
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:  # outside a crawl, which reports its own interruption
        # nothing imported here: the signal may have cut an import short, leaving that module half made
        terminated = isinstance(exc, Terminated)
        print(f"aggregator: interrupted by {'SIGTERM' if terminated else 'SIGINT (Ctrl-C)'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # name the command they were given to, not the top-level program
        given = sys.argv[1:] if argv is None else argv
        command = next((parser.commands[a] for a in given if a in parser.commands), parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from aggregator.config import ConfigError

    try:
        return args.func(args) or 0
    except (CliError, ConfigError) as exc:
        return _fail(exc, 2)
    except _store_error() as exc:
        return _fail(exc, 1)
    except sqlite3.Error as exc:  # a full disk, a database locked too long, a file damaged while open
        db = getattr(args, "db", None)
        return _fail(f"{db}: {exc}" if db else exc, 1)
    except BrokenPipeError:  # e.g. `aggregator export | head`
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _fail(f"{where}{exc.strerror or exc}", 1)


class Terminated(KeyboardInterrupt):
    """SIGTERM outside a crawl: stop as Ctrl-C does (files closed, one line, status 143), not silently."""


def _on_sigterm(signum, frame):
    raise Terminated


def _store_error() -> type[Exception]:
    """StoreError when the store was loaded (else none can have been raised): importing aggregator.store costs
    ~0.2 s (numpy, sqlite_utils) that commands without a database, like ``extract``, need not pay."""
    store = sys.modules.get("aggregator.store")
    return store.StoreError if store is not None else _NeverRaised


class _NeverRaised(Exception):
    pass


def _fail(message, status: int) -> int:
    print(f"aggregator: error: {message}", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aggregator",
        description="Crawl news portals, clean each article, recognise reposts, and store every story once "
        "(with its original source and every copy) in SQLite.",
    )
    parser.add_argument("--version", action="version", version=f"aggregator {__version__}")
    db_option = _Parser(add_help=False)
    db_option.add_argument(
        "--db",
        default=os.environ.get("AGGREGATOR_DB", DEFAULT_DB),
        metavar="PATH",
        help=f"SQLite database (default: $AGGREGATOR_DB or {DEFAULT_DB})",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in _command_modules():
        module.register(sub, db_option)
    parser.commands = sub.choices
    return parser


def _command_modules():
    """Every module of this package with a ``register`` function, in the order of their ``ORDER``: adding a
    command group is adding one file."""
    import importlib
    import pkgutil

    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(
        (m for m in modules if hasattr(m, "register")), key=lambda m: (getattr(m, "ORDER", 50), m.__name__)
    )


def require_db(path: str) -> None:
    """Commands that only read refuse to create an empty database by accident."""
    if not Path(path).exists():
        raise CliError(
            f"no database at {path}: run 'aggregator crawl' or 'aggregator demo' first, or pass --db"
        )


def count(text: str) -> int:
    """An argparse type: a whole number from 0 to what SQLite can hold."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"out of range (0 to 2^63-1): {text}")
    return value
