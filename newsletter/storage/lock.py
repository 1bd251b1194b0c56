"""A named lock in the database, so two sends (two terminals, a schedule and a person, two
machines on one database) never run at once, and the one that waits says who holds it.

A lock outlives a process killed with SIGKILL; it is taken over when its holder is provably
gone or has not shown a sign of life for `stale_after`. Provably gone: on the same host, the
holder ran in an earlier boot, or in this boot and PID namespace its process id no longer
runs or now belongs to a process that started at another time (a container's PID 1 after a
restart, this very process even). Host names must therefore differ between the machines that
share a database, as they do by default. A holder that waits (a long retry, a slow server) keeps renewing it (`kept_alive`), and
one that finds it taken over stops before doing anything only the holder may do
(`ensure_held`).
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..common.errors import NewsletterError
from . import db
from .process import ProcessIdentity, is_running, start_time

STALE_AFTER = timedelta(minutes=5)
RENEW_EVERY = timedelta(seconds=10)
"""At most; and at least five renewals fit in the stale limit."""


class LockHeld(NewsletterError):
    """Someone else is doing this right now."""

    exit_code = 3


class LockLost(NewsletterError):
    """Another process took this lock over (this one showed no sign of life for too long):
    whatever it guarded is that process's business now."""


class Lock:
    def __init__(self, engine: Engine, name: str, *, purpose: str,
                 clock: Callable[[], datetime],
                 busy_hint: str = "wait for it to finish; a killed process's lock is taken "
                                  "over automatically",
                 stale_after: timedelta = STALE_AFTER):
        self.engine, self.name, self.purpose, self.clock = engine, name, purpose, clock
        self.busy_hint = busy_hint
        self.stale_after = stale_after
        self.renew_every = min(RENEW_EVERY, stale_after / 5)
        self.host = socket.gethostname()
        self.process = ProcessIdentity.of_this_process()
        self.holder = f"{self.process.pid}@{self.host}#{secrets.token_hex(8)}"
        self.replaced: str | None = None
        """The holder whose stale lock this one took over, if it did."""
        self._renewed_at: datetime | None = None
        self._lost = False

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def acquire(self) -> None:
        now = self.clock()
        row = dict(name=self.name, holder=self.holder, pid=self.process.pid, host=self.host,
                   boot_id=self.process.boot_id, pid_namespace=self.process.pid_namespace,
                   process_start=self.process.start, purpose=self.purpose, acquired_at=now,
                   heartbeat_at=now)
        self._renewed_at = now
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(db.locks).values(**row))
            return
        except IntegrityError:
            pass
        just_taken = LockHeld(f"{self.purpose}: another process took the lock just now",
                              hint=self.busy_hint)
        try:
            with self.engine.begin() as conn:
                current = conn.execute(select(db.locks).where(db.locks.c.name == self.name)
                                       ).first()
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
                    db.locks.c.name == self.name, db.locks.c.holder == current.holder
                ).values(**row))
                if taken.rowcount != 1:
                    raise just_taken
                self.replaced = current.holder
        except IntegrityError:  # released between our two looks, and a third was quicker
            raise just_taken from None

    def heartbeat(self) -> bool:
        """A sign of life; False if the lock is no longer ours (it was taken over)."""
        now = self.clock()
        with self.engine.begin() as conn:
            beat = conn.execute(update(db.locks).where(db.locks.c.holder == self.holder)
                                .values(heartbeat_at=now))
        if beat.rowcount != 1:
            self._lost = True
            return False
        self._renewed_at = now
        return True

    def ensure_held(self) -> None:
        """Before each thing only the holder may do (a send: before each message): raises
        LockLost if the lock was taken over. Free while a renewal is recent, since nobody
        takes over a lock renewed within the stale limit; otherwise (the renewing thread
        fell behind, the process was stopped) it renews here and now."""
        if not self._lost and self._renewed_at is not None and \
                self.clock() - self._renewed_at < 2 * self.renew_every:
            return
        self.renew()

    def renew(self) -> None:
        """A sign of life that must land: raises LockLost if the lock was taken over."""
        if self._lost or not self.heartbeat():
            raise self._lost_error()

    @contextmanager
    def kept_alive(self) -> Iterator[Lock]:
        """Renews the lock from a thread of its own while the body runs, so that no wait of
        the body's (a retry's sleep, a server slow to answer) lets it go stale."""
        stopped = threading.Event()

        def renew() -> None:
            while not stopped.wait(self.renew_every.total_seconds()):
                try:
                    if not self.heartbeat():
                        return  # lost: ensure_held tells the body
                except SQLAlchemyError:
                    continue  # the database is busy: the next renewal, or ensure_held, retries

        thread = threading.Thread(target=renew, name=f"{self.name} lock renewal", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stopped.set()
            thread.join()

    def _lost_error(self) -> LockLost:
        with self.engine.connect() as conn:
            holder = conn.execute(select(db.locks).where(db.locks.c.name == self.name)).first()
        taker = (f" (process {holder.pid} on {holder.host} holds it since "
                 f"{holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC)" if holder is not None else "")
        return LockLost(f"{self.purpose} lost its lock: another process took it over{taker} "
                        "while this one showed no sign of life; stopped at once",
                        hint="nothing is lost: the process that holds the lock carries on "
                             "where this one stopped")

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.locks).where(db.locks.c.holder == self.holder))

    def _is_stale(self, current, now: datetime) -> bool:
        return self._holder_is_gone(current) or now - current.heartbeat_at > self.stale_after

    def _holder_is_gone(self, current) -> bool:
        """Provably dead, whatever its process id; False when it cannot be told from here."""
        mine = self.process
        if current.host != self.host:
            return False
        if current.boot_id and mine.boot_id and current.boot_id != mine.boot_id:
            return True  # this host rebooted since
        if current.pid_namespace and mine.pid_namespace and \
                current.pid_namespace != mine.pid_namespace:
            return False  # another container with the same host name: its ids are not ours
        if not is_running(current.pid):
            return True
        return current.process_start is not None and \
            current.process_start != start_time(current.pid)
