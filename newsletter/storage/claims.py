"""Claims: which sender serves which subscribers of the issue being sent, so that several
senders (`newsletter send` and any number of `newsletter send --worker`, on several hosts,
on one PostgreSQL) share one list and nobody gets two copies.

A sender claims a batch of subscribers that the ledger has not served and nobody has
claimed, serves them, and claims the next batch. On PostgreSQL the batch is read with
FOR NO KEY UPDATE SKIP LOCKED, so senders claiming at the same moment pass over each other's
rows instead of waiting on them (and a delivery row may still be written for a row being
claimed); SQLite takes its write lock instead, one claimer at a time. Each claim carries its
sender's heartbeat: the claims of a sender silent for `lapse` (killed, its host gone) are
taken over by whoever claims next, so nobody is lost and the only possible repeat is the
message the dead sender had under way. A sender that finds nobody left to claim waits while
other senders still hold claims, so the last one standing finishes a dead one's share.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import Engine, and_, delete, exists, select, update

from ..common.clock import Clock
from ..common.model import Recipient
from . import db

HEARTBEAT_SECONDS = 10.0
"""At most this long between two signs of life (a quarter of the lapse, if shorter)."""

_C, _S, _D = db.send_claims, db.subscribers, db.deliveries


def worker_name() -> str:
    """This process, as its claims name it: which host and process, and a nonce so that a
    reused pid is someone else."""
    return f"{os.getpid()}@{socket.gethostname()}#{secrets.token_hex(4)}"


class Claims:
    """One sender's share of the send of `issue_id`. Use as a context manager: leaving
    gives back whatever it claimed and did not serve, for the others to take at once."""

    def __init__(self, engine: Engine, issue_id: int, *, worker: str, clock: Clock,
                 lapse: timedelta, batch: int, wait: Callable[[float], object],
                 tag: str | None = None, retry: set[int] = frozenset()):
        self.engine, self.issue_id, self.worker, self.clock = engine, issue_id, worker, clock
        self.lapse, self.batch, self.wait, self.tag = lapse, batch, wait, tag
        self._retry = set(retry)
        """Deferred by an earlier run: claimed once more by this sender despite their row."""
        self.every = min(HEARTBEAT_SECONDS, lapse.total_seconds() / 4)
        self._beat_at = clock()
        self._mine: set[int] = set()

    def __enter__(self) -> Claims:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def rounds(self) -> Iterator[Iterator[Recipient]]:
        """This sender's recipients, round after round: a round ends when nobody is left to
        claim; another begins, after a wait, while other senders still hold claims they have
        not served (alive, or not yet known to be dead). The wait comes between rounds, when
        this sender has no message under way that the others might be waiting for."""
        while True:
            yield self.recipients()
            if not self._others_hold_claims():
                return
            self.wait(self.every)
            self.keep_alive()

    def recipients(self) -> Iterator[Recipient]:
        """Everyone this sender can claim now, in id order within each batch, claimed a batch
        at a time, until a whole pass over the list finds nobody. Asked for the next one, it
        keeps its claims alive and passes over any taken over while it was silent."""
        after, idle = 0, True
        while True:
            batch, after = self._claim(after)
            for recipient in batch:
                self.keep_alive()
                if recipient.id in self._mine:
                    yield recipient
            idle = idle and not batch
            if after is None:
                if idle:
                    return
                after, idle = 0, True

    def keep_alive(self) -> None:
        """A heartbeat on this sender's claims, at most every `every` seconds; it learns
        which are still its own."""
        now = self.clock()
        if (now - self._beat_at).total_seconds() < self.every:
            return
        with self.engine.begin() as conn:
            conn.execute(update(_C).where(self._own()).values(heartbeat_at=now))
            self._mine = set(conn.execute(select(_C.c.subscriber_id).where(self._own()))
                             .scalars())
        self._beat_at = now

    def release(self) -> None:
        """Gives back the claims not served, and drops the served ones (a dead sender's
        too: nobody else will). In two transactions, and passing over rows another sender
        holds: two senders ending at once, each deleting its own rows and then the other's,
        once deadlocked on PostgreSQL. A live sender's rows are its own to release."""
        with self.engine.begin() as conn:
            conn.execute(delete(_C).where(self._own()))
        with self.engine.begin() as conn:
            unheld = select(_C.c.subscriber_id).where(
                _C.c.issue_id == self.issue_id, self._served()).with_for_update(skip_locked=True)
            conn.execute(delete(_C).where(_C.c.issue_id == self.issue_id,
                                          _C.c.subscriber_id.in_(unheld)))

    def _claim(self, after: int) -> tuple[list[Recipient], int | None]:
        """The next batch: lapsed claims taken over, then unclaimed subscribers among the
        next active ones past id `after`. Returns it and where the next look starts, None
        once the end of the list was reached. Each statement names its rows by id (the
        planner then probes the ledger's index instead of reading the whole ledger)."""
        now = self.clock()
        with db.writing(self.engine) as conn:
            if self._mine:  # the last batch: drop what was served, keep the rest alive
                conn.execute(delete(_C).where(self._own(), _C.c.subscriber_id.in_(
                    self._served_among(conn, self._mine))))
            conn.execute(update(_C).where(self._own()).values(heartbeat_at=now))
            taken = self._take_over(conn, now)
            room = self.batch - len(taken)
            window = conn.execute(select(_S.c.id).where(_S.c.status == "active", _S.c.id > after)
                                  .order_by(_S.c.id).limit(room)).scalars().all() if room else []
            rows = conn.execute(
                select(_S.c.id, _S.c.email, _S.c.name, _S.c.tags, _D.c.status.label("done"))
                .select_from(_S.outerjoin(_D, and_(_D.c.issue_id == self.issue_id,
                                                   _D.c.subscriber_id == _S.c.id)))
                .where(_S.c.id.in_(window), _S.c.status == "active",
                       ~exists().where(_C.c.issue_id == self.issue_id,
                                       _C.c.subscriber_id == _S.c.id))
                .order_by(_S.c.id)
                .with_for_update(of=_S, skip_locked=True, key_share=True)).all() if window else []
            fresh = [row for row in rows
                     if (row.done is None or (row.done == "deferred" and row.id in self._retry))
                     and (self.tag is None or self.tag in (row.tags or ()))]
            self._retry -= {row.id for row in fresh}
            if fresh:
                conn.execute(_C.insert(), [dict(issue_id=self.issue_id, subscriber_id=row.id,
                                                worker=self.worker, heartbeat_at=now)
                                           for row in fresh])
        self._beat_at = now
        batch = taken + [Recipient(row.id, row.email, row.name) for row in fresh]
        self._mine = {recipient.id for recipient in batch}
        end_reached = bool(room) and len(window) < room
        return batch, None if end_reached else (window[-1] if window else after)

    def _take_over(self, conn, now) -> list[Recipient]:
        """Lapsed claims become this sender's; those already served are dropped."""
        lapsed = conn.execute(
            select(_C.c.subscriber_id)
            .where(_C.c.issue_id == self.issue_id, _C.c.heartbeat_at < now - self.lapse)
            .order_by(_C.c.subscriber_id).limit(self.batch)
            .with_for_update(skip_locked=True)).scalars().all()
        if not lapsed:
            return []
        served = self._served_among(conn, lapsed)
        ours = [subscriber_id for subscriber_id in lapsed if subscriber_id not in served]
        conn.execute(delete(_C).where(_C.c.issue_id == self.issue_id,
                                      _C.c.subscriber_id.in_(served)))
        conn.execute(update(_C).where(_C.c.issue_id == self.issue_id,
                                      _C.c.subscriber_id.in_(ours))
                     .values(worker=self.worker, heartbeat_at=now))
        rows = conn.execute(select(_S.c.id, _S.c.email, _S.c.name)
                            .where(_S.c.id.in_(ours)).order_by(_S.c.id)).all()
        return [Recipient(row.id, row.email, row.name) for row in rows]

    def _served_among(self, conn, subscriber_ids) -> set[int]:
        return set(conn.execute(select(_D.c.subscriber_id).where(
            _D.c.issue_id == self.issue_id, _D.c.subscriber_id.in_(list(subscriber_ids))))
            .scalars())

    def _others_hold_claims(self) -> bool:
        """Another sender still has claimed subscribers it has not served (alive, or not yet
        known to be dead)."""
        with self.engine.connect() as conn:
            return conn.execute(select(exists().where(
                _C.c.issue_id == self.issue_id, _C.c.worker != self.worker, ~self._served(),
                exists().where(_S.c.id == _C.c.subscriber_id)))).scalar()

    def _own(self):
        return and_(_C.c.issue_id == self.issue_id, _C.c.worker == self.worker)

    def _served(self, subscriber_id=_C.c.subscriber_id):
        """The subscriber (by default the claim's) has a ledger row for this issue."""
        return exists().where(_D.c.issue_id == self.issue_id,
                              _D.c.subscriber_id == subscriber_id)


def release_claims_of(engine: Engine, worker: str) -> None:
    """A sender known to be dead (its send lock was just taken over) gives back its claims
    at once, without waiting for them to lapse."""
    with engine.begin() as conn:
        conn.execute(delete(_C).where(_C.c.worker == worker))
