"""Who must never be mailed again, kept in a plain file beside the database as well, so the
list outlives the database: a lost, emptied or recreated database must not let an old
patient list bring back people who unsubscribed, bounced or complained.

One line per change, appended and fsynced as it happens: the address, its status, when
(UTC), separated by tabs. The last line of an address says where it stands; "active" lifts
an earlier one (the person confirmed a new subscription themselves). A SQLite database
`state.db` keeps it in `state.db.suppressed`; a database that is not a file keeps none.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from ..common.errors import StoreError

SUFFIX = ".suppressed"
HEADER = ("# Who must never be mailed again: address, status, when (UTC). Written by the "
          "newsletter beside its database; back it up with the database.\n")
LIFTED = "active"
log = logging.getLogger("newsletter.suppressions")


@dataclass(frozen=True)
class Entry:
    email: str
    status: str  # unsubscribed, bounced, complained; or active (lifted)
    at: datetime


class SuppressionFile:
    """The file of one database; `path` None when the database is not a file."""

    def __init__(self, path: Path | None):
        self.path = path

    @classmethod
    def beside(cls, engine: Engine) -> SuppressionFile:
        url = engine.url
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or \
                database.startswith("file:"):
            return cls(None)
        path = Path(database)
        return cls(path.with_name(path.name + SUFFIX))

    def append(self, email: str, status: str, at: datetime) -> None:
        """On disk before this returns. A file that cannot be written is logged, never a
        reason to refuse an unsubscribe: the database has it."""
        if self.path is None:
            return
        line = f"{email}\t{status}\t{at.isoformat(timespec='seconds')}\n"
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                new = os.fstat(descriptor).st_size == 0
                os.write(descriptor, ((HEADER if new else "") + line).encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            if new:
                _sync_folder(self.path.parent)
        except OSError as error:
            log.error("could not add %s (%s) to the suppression file %s: %s", email, status,
                      self.path, error.strerror or error)

    def read(self) -> dict[str, Entry]:
        """Where each address stands, by the last line about it; lines that are not
        entries (a hand-made note, a line cut by a crash) are passed over."""
        if self.path is None:
            return {}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StoreError(f"cannot read the suppression file {self.path}: "
                             f"{error.strerror or error}",
                             hint="it keeps who must never be mailed again; check its "
                                  "permissions") from None
        found = {}
        for line in text.splitlines():
            parts = line.strip().split("\t")
            if len(parts) != 3 or line.startswith("#"):
                continue
            try:
                at = datetime.fromisoformat(parts[2])
            except ValueError:
                continue
            found[parts[0].lower()] = Entry(parts[0].lower(), parts[1], at)
        return found

    def suppressed(self) -> dict[str, Entry]:
        """The addresses the file says must not be mailed."""
        return {email: entry for email, entry in self.read().items()
                if entry.status != LIFTED}


def _sync_folder(folder: Path) -> None:
    """A new file's name is durable only once its folder is synced."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
