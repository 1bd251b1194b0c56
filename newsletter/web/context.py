"""What every route is handed: the settings, the store, the mail transport, the clock and
the rate limits, kept on the Flask app by `create_app` and read with `context()`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from ..audience.subscribers import Subscribers
from ..common.clock import Clock
from ..common.errors import NewsletterError
from ..common.i18n import gettext, translated
from ..common.settings import Settings
from ..mail.transport import Transport
from ..storage.store import Store
from .ratelimit import SlidingWindow
from .send_now import BackgroundSends

@dataclass
class Context:
    settings: Settings
    store: Store
    subscribers: Subscribers
    new_transport: Callable[[], Transport]
    clock: Clock
    per_client: SlidingWindow
    per_address: SlidingWindow
    staff_failures: SlidingWindow
    secret: str
    """The secret key as sends sign with it: NEWSLETTER_SECRET_KEY, else the key file's (never
    empty: a link signed with an empty key could be made by anyone)."""
    sends: BackgroundSends = field(default_factory=BackgroundSends)


def context() -> Context:
    return current_app.extensions["newsletter"]


def _(message: str, /, **values) -> str:
    """`message` in the clinic's language (for what a route says, beside its template)."""
    return gettext(context().settings.clinic.language, message, **values)


def _said(text: str) -> str:
    """A Phrase (the transport's name, an error's message) in the clinic's language."""
    return translated(text, context().settings.clinic.language)


def _told(error: NewsletterError) -> str:
    """An error as one line of a page says it: its message (hint), in the clinic's language."""
    return error.told(context().settings.clinic.language)
