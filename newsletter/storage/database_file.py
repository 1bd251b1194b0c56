"""The SQLite file the list lives in: never replaced, and its faults told as one line.

SQLite takes an empty file for a new database, so a zero-byte `newsletter.db` would be
"opened" as an empty list and the record of who unsubscribed, bounced or complained lost
with it; re-importing an old patient list would then mail people who asked us to stop. So a
file that is there must look like a database (its header, its length) before anything opens
it, and a missing one is created whole (written aside, then linked into place), so no other
process ever sees it empty.

What SQLite reports later (a read-only file, a damaged page, a full disk) becomes a
StoreError naming the file, with the hint that fits the cause.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..common.errors import StoreError

HEADER = b"SQLite format 3\x00"
RESTORE_HINT = ("restore it from a backup; to start a new, empty database instead, move the "
                "file away first (who unsubscribed, bounced or complained would be lost)")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another kind."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    if name.startswith("file:"):  # a URI filename (?uri=true)
        name = name[len("file:"):].split("?", 1)[0]
        if not name or name == ":memory:" or "mode=memory" in url:
            return None
    return Path(name).absolute()


def prepare(path: Path) -> None:
    """Check that `path` is a usable database, or create it if it is missing."""
    try:
        with open(path, "rb") as file:
            head = file.read(100)
            size = os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        _create(path)
        return
    except OSError as error:
        raise StoreError(f"cannot read the database {path}: {error.strerror}",
                         hint=_access_hint(path)) from None
    why = _unusable(head, size, wal=path.with_name(path.name + "-wal").exists())
    if why:
        raise StoreError(f"{path} is not a usable database: {why}; it was left as it is",
                         hint=RESTORE_HINT)


def _unusable(head: bytes, size: int, *, wal: bool) -> str:
    """Why a file with this first 100 bytes and size cannot be the database, or ""."""
    if size == 0:
        return "it is empty (0 bytes)"
    if len(head) < 100 or not head.startswith(HEADER):
        return "it is not a SQLite database"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    counted = head[24:28] == head[92:96]  # else the page count is not kept up to date
    if counted and not wal and size < pages * page_size:
        return f"it is cut short ({size:,} of its {pages * page_size:,} bytes)"
    return ""


def _create(path: Path) -> None:
    """A new, valid, empty database at `path`, unless another process made one first."""
    if not path.parent.is_dir():
        raise StoreError(f"cannot create the database {path}: the folder {path.parent} "
                         "does not exist", hint="create the folder, or correct "
                                                "store.database_url")
    aside = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        connection = sqlite3.connect(aside)
        try:
            connection.execute("PRAGMA journal_mode=WAL")  # writes the header
        finally:
            connection.close()
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process created it meanwhile: theirs is used
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"cannot create the database {path}: "
                         f"{getattr(error, 'strerror', None) or error}",
                         hint=_access_hint(path)) from None
    finally:
        for leftover in (aside, aside.with_name(aside.name + "-wal"),
                         aside.with_name(aside.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _access_hint(path: Path) -> str:
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist: create it, or correct store.database_url"
    return (f"let the user running newsletter read and write {path} and its folder "
            f"{path.parent} (SQLite keeps {path.name}-wal and {path.name}-shm beside it)")


def explain_faults(engine: Engine, where: str, path: Path | None) -> None:
    """From now on a fault of the file itself, whatever statement meets it, is a StoreError
    naming `where`; other errors (a locked database, a constraint) stay as they are."""

    @event.listens_for(engine, "handle_error")
    def _explain(context) -> None:
        fault = explained(context.original_exception, where, path)
        if fault is not None:
            raise fault from None


def explained(error: BaseException, where: str, path: Path | None) -> StoreError | None:
    """The StoreError for a SQLite fault a person can do something about, else None."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return StoreError(f"the database {where} is read-only ({text}); nothing was saved",
                          hint=_access_hint(path) if path else "let the database user write")
    if (name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text
            or "not a database" in text):
        return StoreError(f"the database {where} is damaged ({text}); nothing more was done",
                          hint=RESTORE_HINT)
    if name.startswith("SQLITE_FULL") or "database or disk is full" in text:
        return StoreError(f"the database {where} cannot grow: the disk is full",
                          hint="free some disk space, then run it again")
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database file" in text:
        return StoreError(f"cannot open the database {where} ({text})",
                          hint=_access_hint(path) if path else "check store.database_url")
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return StoreError(f"cannot read or write the database {where}: a disk I/O error",
                          hint="check the disk and the file's permissions; if the disk "
                               "is failing, " + RESTORE_HINT)
    return None


def check_intact(engine: Engine) -> None:
    """SQLite's quick check of every page: damage in a page a run does not happen to read
    would otherwise go unnoticed (a send went out in full from such a file). It reads the
    whole file once, so it is for a send, not for every page view."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        raise StoreError(f"the database {engine.url.database} is damaged (SQLite's check: "
                         f"{'; '.join(p.replace(chr(10), ' ') for p in problems)[:300]}); "
                         "nothing was sent", hint=RESTORE_HINT)
