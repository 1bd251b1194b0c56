"""The one reading of the clock, and the rule for passing time around.

A function that acts at one moment takes `now: datetime`. One that goes on for a while and
must see time pass (a send, a lock's heartbeat, the web app, the scheduler) takes a `Clock`
and hands `clock()` down as `now`. Only the front doors (cli/, web/, schedule/) pass
`utc_now` in; nothing below them reads the clock, so every rule is testable at any hour.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Aware, in UTC: the store keeps UTC, and each reader converts to the clinic's zone."""
    return datetime.now(timezone.utc)
