"""A named lock in the database, so two sends (two terminals, a schedule and a person, two
machines on one database) never run at once, and the one that waits says who holds it.

A lock outlives a process killed with SIGKILL; it is taken over when its holder is provably
gone (same host, process no longer running) or has not shown a sign of life for a while.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..common.errors import NewsletterError
from . import db

STALE_AFTER = timedelta(minutes=5)


class LockHeld(NewsletterError):
    """Someone else is doing this right now."""

    exit_code = 3


class Lock:
    def __init__(self, engine: Engine, name: str, *, purpose: str,
                 clock: Callable[[], datetime],
                 busy_hint: str = "wait for it to finish; a killed process's lock is taken "
                                  "over automatically"):
        self.engine, self.name, self.purpose, self.clock = engine, name, purpose, clock
        self.busy_hint = busy_hint
        self.host = socket.gethostname()
        self.holder = f"{os.getpid()}@{self.host}#{secrets.token_hex(4)}"
        self.replaced: str | None = None
        """The holder whose stale lock this one took over, if it did."""

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def acquire(self) -> None:
        now = self.clock()
        row = dict(name=self.name, holder=self.holder, pid=os.getpid(), host=self.host,
                   purpose=self.purpose, acquired_at=now, heartbeat_at=now)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(db.locks).values(**row))
            return
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            current = conn.execute(select(db.locks).where(db.locks.c.name == self.name)).first()
            if current is not None and not self._is_stale(current, now):
                raise LockHeld(
                    f"{current.purpose} is already running (process {current.pid} on "
                    f"{current.host}, since {current.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
                    f"last sign of life {(now - current.heartbeat_at).seconds} s ago)",
                    hint=self.busy_hint)
            if current is None:  # released between our two looks
                conn.execute(insert(db.locks).values(**row))
                return
            taken = conn.execute(update(db.locks).where(
                db.locks.c.name == self.name, db.locks.c.holder == current.holder).values(**row))
            if taken.rowcount != 1:
                raise LockHeld(f"{self.purpose}: another process took the lock just now")
            self.replaced = current.holder

    def heartbeat(self) -> bool:
        """A sign of life; False if the lock is no longer ours (it was taken over)."""
        with self.engine.begin() as conn:
            beat = conn.execute(update(db.locks).where(db.locks.c.holder == self.holder)
                                .values(heartbeat_at=self.clock()))
        return beat.rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.locks).where(db.locks.c.holder == self.holder))

    def _is_stale(self, current, now: datetime) -> bool:
        if current.host == self.host and not _process_alive(current.pid):
            return True
        return now - current.heartbeat_at > STALE_AFTER


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
