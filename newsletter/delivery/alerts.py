"""Telling staff: a plain-text email to `scheduler.staff_alert_address` through the
configured transport (the outbox when there is no SMTP host), and the log line that goes
with it. Feed health is checked here after every send; the decision is `feed_health`'s.

A notice that cannot be delivered is logged and tried again by the next run; it never
stops a send.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from ..common.errors import MailError
from ..common.settings import Settings
from ..feed.health import Notice, decide
from ..issue.message import automated_message
from ..mail.transport import Transport
from ..storage.store import Store

log = logging.getLogger("newsletter.alerts")


def notify_staff(settings: Settings, transport: Transport, notice: Notice, *,
                 now: datetime) -> bool:
    """Email `notice` to staff. False (and a log line) when no address is configured or the
    message could not be delivered."""
    address = settings.scheduler.staff_alert_address
    log.warning("%s", notice.subject)
    if not address:
        return False
    sender = settings.sender.address
    message = automated_message(settings, address, notice.subject, text=notice.body, now=now)
    key = f"staff/{now:%Y%m%dT%H%M%S}-" + re.sub(r"[^a-z0-9]+", "-", notice.subject.lower())
    try:
        transport.send(sender, address, message, key=key[:120])
    except MailError as error:
        log.error("could not tell staff (%s): %s", address, error)
        return False
    return True


def check_feed_health(settings: Settings, store: Store, transport: Transport, *,
                      now: datetime) -> str | None:
    """After a run: alert staff once if the feed keeps failing, once when it recovers.
    Returns the notice's subject when one was due."""
    source = settings.feed_source
    decision = decide(store.feed(source), store.feed_alert(source),
                      threshold=settings.scheduler.feed_alert_after_failures,
                      zone=settings.zone)
    if decision is None:
        return None
    told = notify_staff(settings, transport, decision.notice, now=now)
    if settings.scheduler.staff_alert_address and not told:
        return decision.notice.subject  # not recorded: the next run tries again
    if decision.kind == "alert":
        store.open_feed_alert(source, failures=decision.failures, reason=decision.reason,
                              now=now)
    else:
        store.close_feed_alert(source)
    return decision.notice.subject
