"""The record of every scheduled run: when, what came of it, and why. Staff read it with
`newsletter schedules list`; the scheduler reads it at start to resume a send whose process
died."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from . import db

_T = db.schedule_runs


@dataclass(frozen=True)
class Run:
    id: int
    schedule: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    slot: datetime | None
    issue_slug: str | None
    note: str | None


class RunLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    def start(self, schedule: str, *, now: datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(insert(_T).values(schedule=schedule, started_at=now,
                                                  outcome="running")).inserted_primary_key[0]

    def finish(self, run_id: int, outcome: str, *, now: datetime, slug: str | None = None,
               note: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(_T).where(_T.c.id == run_id).values(
                finished_at=now, outcome=outcome, issue_slug=slug, note=note))

    def record(self, schedule: str, outcome: str, *, now: datetime,
               slot: datetime | None = None, slug: str | None = None,
               note: str | None = None) -> None:
        """A run that did not run: a missed slot."""
        with self.engine.begin() as conn:
            conn.execute(insert(_T).values(schedule=schedule, started_at=now, finished_at=now,
                                           outcome=outcome, slot=slot, issue_slug=slug,
                                           note=note))

    def interrupted(self, *, now: datetime) -> list[str]:
        """Runs left "running" by a process that died, marked interrupted; their schedules,
        the latest first. Only the scheduler (holding its lock) may ask."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(_T.c.id, _T.c.schedule).where(_T.c.outcome == "running")
                                .order_by(_T.c.id.desc())).all()
            conn.execute(update(_T).where(_T.c.id.in_([r.id for r in rows])).values(
                outcome="interrupted", finished_at=now, note="its process died"))
        return [row.schedule for row in rows]

    def runs(self, schedule: str | None = None, limit: int = 50) -> list[Run]:
        """The latest runs first."""
        query = select(_T).order_by(_T.c.id.desc()).limit(limit)
        if schedule is not None:
            query = query.where(_T.c.schedule == schedule)
        with self.engine.connect() as conn:
            return [db.record(Run, row) for row in conn.execute(query)]
