"""Who the next send goes to and when, for the staff preview: the send schedules' audience,
how many active subscribers are in it, and the next scheduled run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..common.errors import NewsletterError
from ..common.i18n import Phrase
from ..common.settings import Settings
from ..schedule.schedules import Schedule, load_schedules, next_runs
from ..storage.ledger import Ledger
from ..storage.store import Store


@dataclass(frozen=True)
class Audience:
    tag: str | None
    """The send schedules' tag (they all share one audience), None for everyone."""
    count: int
    """Active subscribers in it not yet served this issue."""
    next_run: datetime | None
    """The next scheduled send, in the clinic's zone; None when no schedule sends."""
    schedule: str = ""
    problem: str = ""
    """Why the schedules could not be read, if they could not (a Phrase)."""


def audience_of(settings: Settings, store: Store, issue_id: int, *, now: datetime) -> Audience:
    sends, problem = _send_schedules(settings)
    tag = sends[0].tag if sends else None
    with Ledger(store.engine, issue_id) as ledger:
        count = ledger.count_remaining(tag=tag)
    upcoming = sorted((run, schedule.name) for schedule in sends
                      for run in next_runs(schedule, now, 1))
    if not upcoming:
        return Audience(tag, count, None, problem=problem)
    run, name = upcoming[0]
    return Audience(tag, count, run.astimezone(settings.zone), name, problem)


def _send_schedules(settings: Settings) -> tuple[list[Schedule], str]:
    folder = settings.path(settings.scheduler.schedules)
    if not folder.is_dir():
        return [], ""
    try:
        found = load_schedules(folder, default_timezone=settings.clinic.timezone,
                               base_dir=settings.base_dir)
    except NewsletterError as error:
        return [], Phrase("the schedules could not be read: %(why)s", why=error.message)
    return [s for s in found if s.action == "send"], ""
