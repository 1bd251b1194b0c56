"""Waiting for the database to come back. SQLite locked longer than its busy timeout, or a
PostgreSQL failover, is a pause, not a reason for the scheduler to die or for a run to go
unrecorded: the write is tried again until it works (or until giving up is right)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..common.errors import StoreError

RETRY_SECONDS = 2.0
UNAVAILABLE = (OperationalError, StoreError)
"""A database that is locked, unreachable, full or read-only (storage names the faults of a
SQLite file as StoreError): what may pass. A constraint or a bug in a statement does not."""
T = TypeVar("T")
log = logging.getLogger("newsletter.scheduler")


def when_database_is_back(call: Callable[[], T], *, what: str,
                          give_up: Callable[[], bool]) -> T:
    """`call()`, tried again every few seconds while the database is unavailable; raises
    the database's error once `give_up()` is true. Other errors are not retried."""
    said = False
    while True:
        try:
            return call()
        except UNAVAILABLE as error:
            if give_up():
                raise
            if not said:
                log.warning("%s: the database is unavailable (%s); trying again until it "
                            "is back", what, reason(error))
                said = True
        time.sleep(RETRY_SECONDS)


def reason(error: SQLAlchemyError | StoreError) -> str:
    """The database's own words, e.g. `database is locked`, without the SQL."""
    return str(getattr(error, "orig", None) or error).splitlines()[0][:200]
