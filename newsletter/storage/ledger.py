"""The delivery ledger: one row per (issue, subscriber), written the moment a message is
accepted. A send that resumes after any crash asks the ledger who is left, so each
subscriber is served once; the only possible repeat is the message whose SMTP exchange was
under way when the process died.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, bindparam, func, insert, select, update

from ..common.model import Recipient
from . import db

STATUSES = ("sent", "failed", "skipped", "deferred")
"""failed: a 5xx, final. deferred: 4xx or lost connection after every retry, tried again
by the next run (its row keeps how many runs tried and, in `at`, since when, until a retry
settles it). skipped: unsubscribed after the send began."""


@dataclass(frozen=True)
class Deferral:
    """An address the server put off: how many runs have tried it, and since when."""

    attempts: int
    since: datetime


# The two statements of the hot loop.
_STATUS_OF = select(db.subscribers.c.status).where(db.subscribers.c.id == bindparam("id"))
_RECORD = insert(db.deliveries).values(
    issue_id=bindparam("issue_id"), subscriber_id=bindparam("subscriber_id"),
    status=bindparam("status"), error=bindparam("error"), at=bindparam("at"),
    attempts=bindparam("attempts"))


class _Prepared:
    """A statement compiled once for this database and handed straight to the driver, with
    each value converted as its column type would: per message this skips SQLAlchemy's
    statement handling, a third of the ledger's cost."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = compiled.positiontup  # None where the driver takes named parameters
        processors = {name: bind.type.bind_processor(dialect)
                      for name, bind in compiled.binds.items()}
        self.convert = {name: process for name, process in processors.items() if process}

    def run(self, conn, **values):
        for name, process in self.convert.items():
            values[name] = process(values[name])
        return conn.exec_driver_sql(
            self.sql, tuple(values[name] for name in self.order) if self.order else values)


class Ledger:
    """Holds one connection for the whole send: a commit per message, nothing more."""

    def __init__(self, engine: Engine, issue_id: int):
        self.issue_id = issue_id
        self.conn = engine.connect()
        d = db.deliveries
        self._done = select(d.c.subscriber_id).where(d.c.issue_id == issue_id)
        self._status_of = _Prepared(_STATUS_OF, engine.dialect)
        self._record = _Prepared(_RECORD, engine.dialect)
        self._deferred: dict[int, Deferral] = {}

    def retry_deferred(self, *, now: datetime) -> None:
        """Addresses deferred by an earlier run are tried again (`remaining` yields them
        from now on);
        their rows stay until a retry settles them. One who left since is settled as
        skipped here, or the issue would wait for them for ever."""
        d, s = db.deliveries, db.subscribers
        rows = self.conn.execute(
            select(d.c.subscriber_id, d.c.attempts, d.c.at, s.c.status)
            .join(s, s.c.id == d.c.subscriber_id)
            .where(d.c.issue_id == self.issue_id, d.c.status == "deferred")).all()
        departed = [row.subscriber_id for row in rows if row.status != "active"]
        if departed:
            self.conn.execute(update(d).where(d.c.issue_id == self.issue_id,
                                              d.c.subscriber_id.in_(departed))
                              .values(status="skipped", error="left before a retry", at=now))
        self.conn.commit()
        self._deferred = {row.subscriber_id: Deferral(row.attempts, row.at)
                          for row in rows if row.status == "active"}
        self._done = select(d.c.subscriber_id).where(d.c.issue_id == self.issue_id,
                                                     d.c.status != "deferred")

    def deferral(self, subscriber_id: int) -> Deferral | None:
        """How an earlier run left this subscriber, if it deferred them."""
        return self._deferred.get(subscriber_id)

    def refused(self) -> list[tuple[int, str, str]]:
        """(id, address, reply) of each subscriber still active whose message for this
        issue failed for good: the send reads the hard bounces among them."""
        d, s = db.deliveries, db.subscribers
        rows = self.conn.execute(
            select(s.c.id, s.c.email, d.c.error).join(s, s.c.id == d.c.subscriber_id)
            .where(d.c.issue_id == self.issue_id, d.c.status == "failed",
                   s.c.status == "active").order_by(s.c.id)).all()
        self.conn.commit()
        return [(row.id, row.email, row.error or "") for row in rows]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def remaining(self, *, tag: str | None = None, batch: int = 500) -> Iterator[Recipient]:
        """Active subscribers not yet done, in id order, fetched a batch at a time so that
        memory stays flat and no read transaction pins an old snapshot."""
        s = db.subscribers
        last = 0
        while True:
            query = (select(s.c.id, s.c.email, s.c.name, s.c.tags)
                     .where(self._pending(), s.c.id > last).order_by(s.c.id).limit(batch))
            rows = self.conn.execute(query).all()
            self.conn.commit()
            if not rows:
                return
            for row in rows:
                if tag is None or tag in (row.tags or ()):
                    yield Recipient(row.id, row.email, row.name)
            last = rows[-1].id

    def count_remaining(self, *, tag: str | None = None) -> int:
        if tag is not None:
            return sum(1 for _ in self.remaining(tag=tag))
        count = self.conn.execute(select(func.count()).where(self._pending())).scalar()
        self.conn.commit()
        return count

    def _pending(self):
        s = db.subscribers
        return and_(s.c.status == "active", s.c.id.not_in(self._done))

    def still_active(self, subscriber_id: int) -> bool:
        """Asked right before each message: an unsubscribe lands at once, even mid-send."""
        return self._status_of.run(self.conn, id=subscriber_id).scalar() == "active"

    def record(self, subscriber_id: int, status: str, *, now: datetime,
               error: str | None = None) -> None:
        """Committed before the next message goes: this row is what a resumed send trusts.
        A row that cannot be written is rolled back at once, so that this connection holds no
        write lock while the send records how it ended."""
        try:
            earlier = self._deferred.get(subscriber_id)
            if earlier is None:
                self._record.run(self.conn, issue_id=self.issue_id,
                                 subscriber_id=subscriber_id, status=status, error=error,
                                 at=now, attempts=1)
            else:
                self._settle(subscriber_id, earlier, status, error, now)
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def _settle(self, subscriber_id: int, earlier: Deferral, status: str, error: str | None,
                now: datetime) -> None:
        """A retry of a deferred address rewrites its row: one more attempt; deferred again,
        it keeps the time it was first deferred."""
        d = db.deliveries
        self.conn.execute(update(d).where(d.c.issue_id == self.issue_id,
                                          d.c.subscriber_id == subscriber_id)
                          .values(status=status, error=error, attempts=earlier.attempts + 1,
                                  at=earlier.since if status == "deferred" else now))
        if status == "deferred":
            self._deferred[subscriber_id] = Deferral(earlier.attempts + 1, earlier.since)
        else:
            del self._deferred[subscriber_id]

    def counts(self) -> dict[str, int]:
        d = db.deliveries
        rows = self.conn.execute(select(d.c.status, func.count()).where(
            d.c.issue_id == self.issue_id).group_by(d.c.status)).all()
        self.conn.commit()
        return {status: count for status, count in rows}
