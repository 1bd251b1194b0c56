"""The subscribers' pages: unsubscribe, subscribe with double opt-in, and the archive.

A GET never changes anything: mail scanners and link previews fetch every link in an email,
so unsubscribing or confirming takes a POST (a button, or the mailbox's one-click POST).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..audience import optin
from ..audience.addresses import InvalidValue, normalize_address
from ..common.errors import NewsletterError
from ..common.tokens import subscriber_of
from ..common.model import Recipient
from ..issue.archive import web_page
from ..issue.welcome import welcome_message
from .context import _, context
from .security import EMAIL_POLICY, is_one_click

blueprint = Blueprint("public", __name__)
log = logging.getLogger(__name__)
SAMPLE_TOKEN = "sample"
"""The unsubscribe token of previews and test copies to people not on the list."""


@blueprint.get("/")
def home():
    return redirect(url_for("public.archive"))


@blueprint.get("/brand.css")
def brand_css():
    """The clinic's color for the pages' stylesheet (the pages allow no inline style), and
    a lighter tint of it that stays readable on a dark background."""
    color = context().settings.clinic.brand_color
    return Response(f":root {{ --brand: {color}; --brand-on-dark: {_tint(color)}; }}\n",
                    content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


def _tint(color: str, toward_white: float = 0.5) -> str:
    channels = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * toward_white):02x}" for c in channels)


@blueprint.get("/unsubscribe")
def unsubscribe_help():
    """Where the archive's unsubscribe link goes: a web page is nobody's in particular."""
    return render_template("unsubscribe.html", state="help")


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    ctx = context()
    if token == SAMPLE_TOKEN:
        return render_template("unsubscribe.html", state="sample")
    subscriber_id = subscriber_of(ctx.secret, token)
    subscriber = ctx.subscribers.get(subscriber_id) if subscriber_id else None
    if subscriber is None:
        return render_template("unsubscribe.html", state="invalid"), 400
    if request.method == "GET":
        return render_template("unsubscribe.html", email=subscriber.email,
                               state="already" if subscriber.suppressed else "ask")
    ctx.subscribers.unsubscribe(subscriber.id, now=ctx.clock())  # again is harmless
    if is_one_click():
        return Response(_("Unsubscribed.") + "\n", content_type="text/plain; charset=utf-8")
    return render_template("unsubscribe.html", state="done", email=subscriber.email)


@blueprint.route("/subscribe", methods=["GET", "POST"])
def subscribe():
    ctx = context()
    if request.method == "GET":
        return _subscribe_page()
    email = request.form.get("email", "")[:320]
    name = request.form.get("name", "")[:200]
    try:
        normalize_address(email)  # a typo is corrected on the page, and counts toward nothing
    except InvalidValue as error:
        return _subscribe_page(email, name, _("That address does not look right: %(reason)s.",
                                              reason=error)), 400
    client = request.remote_addr or "?"
    if not ctx.per_client.allow(client):
        return _limit_page(ctx.per_client.retry_after(client))
    subscriber = optin.request(ctx.subscribers, email, name, now=ctx.clock())
    # Anyone on the list, or not, sees the same page: the form must not tell who reads us.
    if subscriber is not None and ctx.per_address.allow(subscriber.email):
        try:
            _send_confirmation(subscriber)
        except NewsletterError:
            return _subscribe_page(email, name, _("We could not send the confirmation email "
                                                  "just now. Please try again later.")), 503
    return _subscribe_page(sent=True)


def _limit_page(seconds: int):
    """The 429 of the sign-up form, in words a person can act on, with Retry-After."""
    minutes = max(1, -(-seconds // 60))
    page = render_template("limit.html", minutes=minutes)
    return page, 429, {"Retry-After": str(max(1, seconds))}


def _subscribe_page(email: str = "", name: str = "", error: str = "", sent: bool = False):
    return render_template("subscribe.html", email=email, name=name, error=error, sent=sent,
                           hours=optin.CONFIRM_HOURS)


def _send_confirmation(subscriber) -> None:
    ctx = context()
    token = optin.confirm_token(ctx.secret, subscriber.id, now=ctx.clock())
    link = f"{ctx.settings.clinic.public_base_url.rstrip('/')}/confirm/{token}"
    message = optin.confirmation_message(ctx.settings, subscriber, link, now=ctx.clock())
    transport = ctx.new_transport()
    try:
        transport.send(ctx.settings.sender.address, subscriber.email, message,
                       key=f"confirm/{subscriber.id}-{ctx.clock():%Y%m%dT%H%M%S%f}")
    finally:
        transport.close()


def _send_welcome(subscriber) -> None:
    """Once, as the confirmation lands; a mail server that refuses it only costs the
    welcome (the reader is subscribed all the same), so it is logged, not shown."""
    ctx = context()
    message = welcome_message(ctx.settings, Recipient(subscriber.id, subscriber.email,
                                                      subscriber.name),
                              secret=ctx.secret, now=ctx.clock())
    transport = ctx.new_transport()
    try:
        transport.send(ctx.settings.sender.address, subscriber.email, message,
                       key=f"welcome/{subscriber.email}")
    except NewsletterError as error:
        log.warning("the welcome email to %s was not sent: %s", subscriber.email, error)
    finally:
        transport.close()


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    ctx = context()
    try:
        asked = optin.confirmation_of(ctx.secret, token, now=ctx.clock())
    except optin.ExpiredLink:
        return render_template("confirm.html", state="expired",
                               hours=optin.CONFIRM_HOURS), 400
    except NewsletterError:
        return render_template("confirm.html", state="invalid"), 400
    subscriber = ctx.subscribers.get(asked.subscriber_id)
    if subscriber is None:
        return render_template("confirm.html", state="invalid"), 400
    if request.method == "POST":
        if ctx.subscribers.confirm(subscriber.id, requested_at=asked.requested_at,
                                   now=ctx.clock()) and ctx.settings.welcome.enabled:
            _send_welcome(subscriber)
        subscriber = ctx.subscribers.get(subscriber.id)
    state = ("done" if subscriber.status == "active" else
             "ask" if subscriber.may_confirm(asked.requested_at) else "left")
    return render_template("confirm.html", state=state, email=subscriber.email)


@blueprint.get("/archive")
def archive():
    ctx = context()
    return render_template("archive.html", issues=ctx.store.issues.sent(limit=500),
                           )


@blueprint.get("/archive/<slug>")
def archived_issue(slug: str):
    issue = context().store.issues.by_slug(slug)
    if issue is None or issue.status != "sent":  # a draft is nobody's business yet
        abort(404, _("There is no such issue in the archive."))
    return Response(web_page(issue, context().settings), content_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": EMAIL_POLICY,
                             "Cache-Control": "public, max-age=300"})
