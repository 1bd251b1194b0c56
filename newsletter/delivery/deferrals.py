"""When to stop retrying an address the server keeps putting off (a mailbox that is always
full, say): after `smtp.give_up_after_attempts` runs or `smtp.give_up_after_days` days,
whichever comes first, it is failed, so one mailbox cannot keep an issue open for ever and
hold back every later one."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..common.settings import SmtpSettings
from ..storage.ledger import Deferral


def give_up_reason(earlier: Deferral | None, smtp: SmtpSettings, *, now: datetime) -> str:
    """Why this deferral is the last one, or "" to defer it again; `earlier` is how earlier
    runs left the address (None: this run is its first try)."""
    attempts = (earlier.attempts if earlier else 0) + 1
    since = earlier.since if earlier else now
    if attempts >= smtp.give_up_after_attempts or \
            now - since >= timedelta(days=smtp.give_up_after_days):
        return f"gave up after {attempts} attempt(s) since {since:%Y-%m-%d %H:%M} UTC"
    return ""
