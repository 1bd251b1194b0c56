"""The staff pages under /staff/: preview the next issue, send a test, word it, approve or
hold it, and look after subscribers and sends.

Plain links and forms, no JavaScript: toggles (light/dark, phone/desktop) are query
parameters, and every action is a POST that redirects back to a page (no resubmit on reload).
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from ..audience.csv_file import decode_csv
from ..audience.subscribers import STATUSES
from ..common.errors import FeedError, NewsletterError
from ..delivery.sending import send_test
from ..issue import approval
from ..issue.build import build_next_issue
from ..issue.message import SAMPLE_READER
from ..issue.preview import SCHEMES, pin_color_scheme, preview_of, sample_email
from ..issue.render import GMAIL_CLIP_BYTES
from ..mail.transport import describe
from ..social.counting import PLATFORMS
from .context import context
from .security import EMAIL_POLICY

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
FRAMES = {"desktop": 600, "phone": 375}
LAYOUTS = ("both", "desktop", "phone")
COLORS = ("both",) + SCHEMES
"""By default the preview shows all four frames: desktop and phone, light and dark."""


@blueprint.get("/")
def preview():
    """The next issue, built afresh from the feed exactly as a send would build it. If the
    feed cannot be read, the issue as last built is shown with the reason."""
    ctx = context()
    scheme = _choice("scheme", COLORS)
    layout = _choice("layout", LAYOUTS)
    problems: tuple[str, ...] = ()
    try:
        issue = build_next_issue(ctx.settings, ctx.store, now=ctx.clock()).issue
        if issue is None:
            return render_template("staff/nothing.html", feed=ctx.settings.feed_source)
    except FeedError as error:
        issue = ctx.store.issues.open()
        if issue is None:
            raise
        problems = (f"the feed could not be read, so this is the issue as last built: {error}",)
    frames = [(name, width, colors) for colors in SCHEMES if scheme in ("both", colors)
              for name, width in FRAMES.items() if layout in ("both", name)]
    return render_template("staff/preview.html", preview=preview_of(issue, ctx.settings,
                                                                     extra_warnings=problems),
                           scheme=scheme, layout=layout, frames=frames, layouts=LAYOUTS,
                           schemes=COLORS, clip=GMAIL_CLIP_BYTES,
                           ask_name=not g.staff_name, staff_name=g.staff_name,
                           sample_name=SAMPLE_READER.name,
                           seen=approval.fingerprint(issue),
                           labels={name: p.label for name, p in PLATFORMS.items()})


@blueprint.get("/preview/<int:issue_id>/email.html")
def email_frame(issue_id: int):
    """The email alone, for the preview's sandboxed frames: same-origin but with a policy
    that lets it style itself and show remote images, never run a script."""
    ctx = context()
    issue = ctx.store.issues.by_id(issue_id)
    if issue is None:
        abort(404, "There is no such issue.")
    html = pin_color_scheme(sample_email(issue, ctx.settings)[0], _choice("scheme", SCHEMES))
    return Response(html, headers={"Content-Security-Policy": EMAIL_POLICY},
                    content_type="text/html; charset=utf-8")


def action(view):
    """A staff action: its outcome, good or bad, is a message on the page it came from."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            flash(view(*args, **kwargs))
        except NewsletterError as error:
            flash(f"{error}" + (f" ({error.hint})" if error.hint else ""), "error")
        return redirect(url_for("staff.preview", scheme=request.args.get("scheme"),
                                layout=request.args.get("layout")), code=303)

    return run


@blueprint.post("/test")
@action
def test_send() -> str:
    ctx = context()
    transport = ctx.new_transport()
    address = request.form.get("address", "").strip()
    slug = send_test(ctx.settings, ctx.store, transport, address, now=ctx.clock())
    return f"Sent a test copy of issue {slug} to {address} via {describe(transport)}."


@blueprint.post("/wording")
@action
def reword() -> str:
    ctx = context()
    before = approval.reviewable(ctx.store, _seen())
    after = approval.reword(ctx.settings, ctx.store, _seen(), now=ctx.clock(),
                            subject=request.form.get("subject", ""),
                            preheader=request.form.get("preheader", "")).issue
    if after is None or after.id != before.id:
        return "The feed changed meanwhile: this is a new issue; check it again."
    if before.status == "approved" and after.status != "approved":
        return "Saved the new wording. The approval was withdrawn: approve it again."
    return "Saved the subject and preheader."


@blueprint.post("/approve")
@action
def approve() -> str:
    ctx = context()
    issue = approval.approve(ctx.store, _seen(), by=_decider(), now=ctx.clock())
    return f"Approved issue {issue.slug} as {issue.approved_by}."


@blueprint.post("/hold")
@action
def hold() -> str:
    ctx = context()
    issue = approval.hold(ctx.store, _seen(), by=_decider(), now=ctx.clock())
    return f"Held issue {issue.slug}: it is not sent until someone approves it."


@blueprint.get("/subscribers")
def subscribers(report: list[str] | None = None, status: int = 200):
    ctx = context()
    left = sorted(ctx.subscribers.list(status="unsubscribed"),
                  key=lambda s: s.unsubscribed_at, reverse=True)[:20]
    return render_template("staff/subscribers.html", counts=ctx.subscribers.counts(),
                           statuses=STATUSES, recent_unsubscribes=left, report=report), status


@blueprint.post("/subscribers/import")
def import_subscribers():
    """The same import and the same report as `newsletter subscribers import`."""
    ctx = context()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return subscribers(report=["Choose a CSV file to import."], status=400)
    name = upload.filename
    try:
        text = decode_csv(upload.read(), name)
        report = ctx.subscribers.import_csv(text, source_name=name, now=ctx.clock())
    except NewsletterError as error:
        return subscribers(report=[f"error: {error}"] + ([f"hint: {error.hint}"]
                                                         if error.hint else []), status=400)
    return subscribers(report=report.lines(name))


@blueprint.get("/sends")
def sends():
    return render_template("staff/sends.html", runs=context().store.recent_send_runs())


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = request.args.get(name, choices[0])
    return value if value in choices else choices[0]


def _seen() -> str:
    """The fingerprint of the issue as the form's page showed it."""
    return request.form.get("issue", "")


def _decider() -> str:
    """The signed-in user name, else the name typed on the form (on the clinic's machine)."""
    return g.staff_name or request.form.get("name", "")
