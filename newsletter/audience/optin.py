"""Subscribing from the web with double opt-in: an address is mailed only after its owner
follows a signed link sent to it, so nobody can sign up someone else.

Pure but for the subscriber list it is handed: no clock (`now` is an argument), no network.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from ..common.errors import NewsletterError
from ..common.i18n import gettext
from ..common.settings import Settings
from ..common.templates import environment
from ..common.tokens import row_id, sign, verify
from ..issue.message import automated_message
from ..issue.render import greeting
from .addresses import clean_name, normalize_address
from .subscribers import Subscriber, Subscribers

CONFIRM_HOURS = 48
PURPOSE = "confirm"


class BadLink(NewsletterError):
    """A confirmation link that was changed, or not made by us."""


class ExpiredLink(NewsletterError):
    """A genuine confirmation link past its time."""


def request(subscribers: Subscribers, email: str, name: str, *, now: datetime
            ) -> Subscriber | None:
    """Whom to send a confirmation link to, if anyone. A new address is stored as pending;
    a pending one, or one that unsubscribed (people come back), gets a link and is not
    changed until the link is followed. An active address gets nothing, nor does one that
    bounced or complained. Nobody is renamed: a stranger may fill in the form. Callers show
    everyone the same answer, so the form does not tell who is on the list. Raises
    InvalidValue for a bad address."""
    address = normalize_address(email)
    found = subscribers.by_email(address)
    if found is None:
        found = subscribers.add(address, name=clean_name(name), source="web", now=now,
                                status="pending")
    return found if found.status in ("pending", "unsubscribed") else None


class Confirmation(NamedTuple):
    subscriber_id: int
    requested_at: datetime


def confirm_token(secret: str, subscriber_id: int, *, now: datetime) -> str:
    """Signed over the subscriber id and an expiry, so it needs no table and cannot be
    stretched."""
    expires = int((now + timedelta(hours=CONFIRM_HOURS)).timestamp())
    return sign(secret, PURPOSE, f"{subscriber_id}.{expires}")


def confirmation_of(secret: str, token: str, *, now: datetime) -> Confirmation:
    """Who asked, and when, from a genuine, unexpired confirmation token."""
    payload = verify(secret, PURPOSE, token)
    subscriber_id, _, expires = (payload or "").partition(".")
    try:
        expiry = datetime.fromtimestamp(int(expires), timezone.utc)
    except (ValueError, OverflowError, OSError):
        expiry = None
    if row_id(subscriber_id) is None or expiry is None:
        raise BadLink("this confirmation link is not valid",
                      hint="copy the whole link from the email, or subscribe again")
    if now > expiry:
        raise ExpiredLink(f"this confirmation link has expired (links work for "
                          f"{CONFIRM_HOURS} hours)", hint="subscribe again for a new link")
    return Confirmation(int(subscriber_id), expiry - timedelta(hours=CONFIRM_HOURS))


def confirmation_message(settings: Settings, subscriber: Subscriber, link: str, *,
                         now: datetime) -> bytes:
    """A short plain-text and HTML email with the link; nothing else in it to click."""
    language = settings.clinic.language
    subject = gettext(language, "Please confirm your subscription to %(clinic)s",
                      clinic=settings.clinic.name)
    context = {"clinic": settings.clinic, "link": link, "hours": CONFIRM_HOURS,
               "subject": subject, "greeting": greeting(subscriber.name, language)}
    env = environment(None, language)
    return automated_message(settings, subscriber.email, subject, now=now, kind="confirm",
                             text=env.get_template("email/confirm.txt").render(context),
                             html=env.get_template("email/confirm.html").render(context))
