"""The record of every scheduled run: when, what came of it, and why. Staff read it with
`newsletter schedules list`; the scheduler reads it at start to resume a send whose process
died."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..common.errors import NewsletterError
from . import db

_T = db.schedule_runs


class SlotTaken(NewsletterError):
    """The schedule's slot has a run already: the second pass of the hour that repeats when
    the clocks go back, or a scheduler taking over a slot the one before it started."""


@dataclass(frozen=True)
class Run:
    id: int
    schedule: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    slot: datetime | None
    slot_key: str | None
    issue_slug: str | None
    note: str | None


class RunLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    def start(self, schedule: str, *, now: datetime, slot: datetime | None = None,
              slot_key: str | None = None) -> int:
        """A run under way; for a slot (`slot_key`), only the first: SlotTaken after."""
        try:
            with self.engine.begin() as conn:
                return conn.execute(insert(_T).values(
                    schedule=schedule, started_at=now, outcome="running", slot=slot,
                    slot_key=slot_key)).inserted_primary_key[0]
        except IntegrityError:
            raise SlotTaken(f"{schedule}: its {slot_key} slot has run already") from None

    def finish(self, run_id: int, outcome: str, *, now: datetime, slug: str | None = None,
               note: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(_T).where(_T.c.id == run_id).values(
                finished_at=now, outcome=outcome, issue_slug=slug, note=note))

    def record(self, schedule: str, outcome: str, *, now: datetime,
               slot: datetime | None = None, slot_key: str | None = None,
               slug: str | None = None, note: str | None = None) -> bool:
        """A run that did not run (a missed, skipped or failed slot); False if its slot has
        a run already."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(_T).values(schedule=schedule, started_at=now,
                                               finished_at=now, outcome=outcome, slot=slot,
                                               slot_key=slot_key, issue_slug=slug, note=note))
        except IntegrityError:
            return False
        return True

    def slot_has_run(self, schedule: str, slot_key: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(_T.c.id).where(_T.c.schedule == schedule,
                                                      _T.c.slot_key == slot_key)).first() \
                is not None

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
