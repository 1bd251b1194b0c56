"""The welcome email a reader gets once they confirm (when the clinic turns it on): made
from templates/email/welcome.html and .txt in the newsletter's own layout, and sent as an
issue is, with the reader's own unsubscribe link and the one-click headers."""

from __future__ import annotations

from datetime import datetime

from ..common.i18n import gettext
from ..common.model import Recipient
from ..common.settings import Settings
from .message import issue_message, recipient_fields
from .render import RenderedIssue, render_email

SLUG = "welcome"


def welcome_subject(settings: Settings) -> str:
    return settings.welcome.subject or gettext(settings.clinic.language,
                                               "Welcome to the %(clinic)s newsletter",
                                               clinic=settings.clinic.name)


def render_welcome(settings: Settings, *, now: datetime) -> RenderedIssue:
    clinic = settings.clinic
    return render_email(SLUG, clinic, slug=SLUG, subject=welcome_subject(settings),
                        preheader=gettext(clinic.language, "Thank you for subscribing. What "
                                          "to expect from %(clinic)s, and how to reach us.",
                                          clinic=clinic.name),
                        day=now.astimezone(settings.zone).date(),
                        web_url=f"{clinic.public_base_url.rstrip('/')}/archive")


def welcome_message(settings: Settings, recipient: Recipient, *, secret: str,
                    now: datetime) -> bytes:
    """The whole message to `recipient`, as bytes for a transport."""
    template = issue_message(render_welcome(settings, now=now), settings, date=now)
    return template.fill(recipient_fields(recipient, settings, SLUG, secret=secret))
