"""What became of each issue sent: the sends page's numbers, counted from the ledger and the
subscriber list so they are true whichever process sent (the command, a schedule, the web's
Send now) and whatever came back later (a bounce report, an unsubscribe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, case, func, select

from . import db


@dataclass(frozen=True)
class IssueStats:
    issue_id: int
    slug: str
    subject: str
    status: str  # sending or sent
    started_at: datetime | None
    """When its first message was recorded."""
    sent: int
    failed: int
    deferred: int
    skipped: int
    bounced: int
    """Readers it was sent to who are now marked bounced (a later bounce report)."""
    complained: int
    unsubscribed: int
    """Readers it was sent to who unsubscribed since its first message."""


def issue_stats(engine: Engine, limit: int = 20) -> list[IssueStats]:
    """The issues being sent or sent, newest first."""
    d, s, i = db.deliveries, db.subscribers, db.issues
    started = func.min(d.c.at)
    reached = d.c.status == "sent"

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (select(i.c.id, i.c.slug, i.c.subject, i.c.status, started.label("started_at"),
                    count(reached).label("sent"), count(d.c.status == "failed").label("failed"),
                    count(d.c.status == "deferred").label("deferred"),
                    count(d.c.status == "skipped").label("skipped"),
                    count(and_(reached, s.c.status == "bounced")).label("bounced"),
                    count(and_(reached, s.c.status == "complained")).label("complained"))
             .select_from(i.join(d, d.c.issue_id == i.c.id).join(s, s.c.id == d.c.subscriber_id))
             .where(i.c.status.in_(("sending", "sent")))
             .group_by(i.c.id).order_by(i.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        unsubscribed = _unsubscribed_since(conn, [(row.id, row.started_at) for row in rows])
    return [IssueStats(row.id, row.slug, row.subject, row.status, row.started_at,
                       row.sent or 0, row.failed or 0, row.deferred or 0, row.skipped or 0,
                       row.bounced or 0, row.complained or 0, unsubscribed.get(row.id, 0))
            for row in rows]


def _unsubscribed_since(conn, issues: list[tuple[int, datetime]]) -> dict[int, int]:
    """Per issue, its readers whose unsubscribe came after its first message."""
    d, s = db.deliveries, db.subscribers
    counts = {}
    for issue_id, started in issues:
        counts[issue_id] = conn.execute(
            select(func.count()).select_from(d.join(s, s.c.id == d.c.subscriber_id))
            .where(d.c.issue_id == issue_id, d.c.status == "sent",
                   s.c.unsubscribed_at.is_not(None), s.c.unsubscribed_at >= started)).scalar()
    return counts
