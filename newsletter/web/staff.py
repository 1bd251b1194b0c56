"""The staff pages under /staff/: preview the next issue, send a test, word it, approve,
hold or send it now, and look after subscribers and sends.

Plain links and forms, no JavaScript: toggles (light/dark, phone/desktop) are query
parameters, and every action is a POST that redirects back to a page (no resubmit on reload).
A page for a new task (issue 14's social posting, say) is a route here and a template in
templates/web/staff/ that extends staff/base.html, plus a link in its nav.
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from ..audience.addresses import parse_tags
from ..audience.csv_file import decode_csv
from ..audience.subscribers import STATUSES
from ..common.errors import FeedError, NewsletterError
from ..common.i18n import Phrase
from ..common.tokens import MAX_ID
from ..delivery.sending import SendOptions, send_next_issue, send_test
from ..issue import approval
from ..issue.build import build_next_issue
from ..issue.message import SAMPLE_READER
from ..issue.preview import SCHEMES, pin_color_scheme, preview_of, sample_email
from ..issue.render import GMAIL_CLIP_BYTES
from ..mail.transport import describe
from ..social.counting import PLATFORMS
from ..storage.clicks import issue_clicks
from ..storage.posts import Posts
from ..storage.send_stats import issue_stats
from .audience import audience_of
from .context import _, _said, _told, context
from .posts import post_from_form, posting_context
from .security import EMAIL_POLICY
from .send_now import SendProgress

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
        problems = (Phrase("the feed could not be read, so this is the issue as last built: "
                           "%(why)s", why=error.message),)
    frames = [(name, width, colors) for colors in SCHEMES if scheme in ("both", colors)
              for name, width in FRAMES.items() if layout in ("both", name)]
    transport = ctx.new_transport()
    shown = preview_of(issue, ctx.settings, secret=ctx.secret, extra_warnings=problems)
    return render_template("staff/preview.html", preview=shown,
                           audience=audience_of(ctx.settings, ctx.store, issue.id,
                                                now=ctx.clock()),
                           via=_said(describe(transport)),
                           delivers=getattr(transport, "delivers", True),
                           scheme=scheme, layout=layout, frames=frames, layouts=LAYOUTS,
                           schemes=COLORS, clip=GMAIL_CLIP_BYTES,
                           ask_name=not g.staff_name, staff_name=g.staff_name,
                           sample_name=SAMPLE_READER.name,
                           seen=approval.fingerprint(issue),
                           labels={name: p.label for name, p in PLATFORMS.items()},
                           **posting_context(issue, shown.snippets))


@blueprint.get(f"/preview/<int(max={MAX_ID}):issue_id>/email.html")
def email_frame(issue_id: int):
    """The email alone, for the preview's sandboxed frames: same-origin but with a policy
    that lets it style itself and show remote images, never run a script."""
    ctx = context()
    issue = ctx.store.issues.by_id(issue_id)
    if issue is None:
        abort(404, _("There is no such issue."))
    html = pin_color_scheme(sample_email(issue, ctx.settings, secret=ctx.secret)[0],
                            _choice("scheme", SCHEMES))
    return Response(html, headers={"Content-Security-Policy": EMAIL_POLICY},
                    content_type="text/html; charset=utf-8")


def action(view):
    """A staff action: its outcome, good or bad, is a message on the page it came from."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            flash(view(*args, **kwargs))
        except NewsletterError as error:
            flash(_told(error), "error")
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
    return _("Sent a test copy of issue %(slug)s to %(address)s via the %(transport)s.",
             slug=slug, address=address, transport=_said(describe(transport)))


@blueprint.post("/post")
@action
def post_snippet() -> str:
    return post_from_form()


@blueprint.post("/wording")
@action
def reword() -> str:
    ctx = context()
    before = approval.reviewable(ctx.store, _seen())
    after = approval.reword(ctx.settings, ctx.store, _seen(), now=ctx.clock(),
                            subject=request.form.get("subject", ""),
                            preheader=request.form.get("preheader", ""),
                            note=request.form.get("note")).issue
    if after is None or after.id != before.id:
        return _("The feed changed meanwhile: this is a new issue; check it again.")
    if before.status == "approved" and after.status != "approved":
        return _("Saved the new wording. The approval was withdrawn: approve it again.")
    return _("Saved the subject, preheader and note.")


@blueprint.post("/approve")
@action
def approve() -> str:
    ctx = context()
    issue = approval.approve(ctx.store, _seen(), by=_decider(), now=ctx.clock())
    return _("Approved issue %(slug)s as %(name)s.", slug=issue.slug, name=issue.approved_by)


@blueprint.post("/hold")
@action
def hold() -> str:
    ctx = context()
    issue = approval.hold(ctx.store, _seen(), by=_decider(), now=ctx.clock(),
                          reason=request.form.get("reason", "")[:300])
    return _("Held issue %(slug)s (%(reason)s): it is not sent until someone approves it.",
             slug=issue.slug, reason=issue.held_reason)


@blueprint.get("/send")
def confirm_send():
    """The step between the Send now button and the send: what goes to how many, via what."""
    ctx = context()
    issue = approval.reviewable(ctx.store, request.args.get("issue"))
    transport = ctx.new_transport()
    return render_template("staff/send.html", issue=issue, seen=approval.fingerprint(issue),
                           audience=audience_of(ctx.settings, ctx.store, issue.id,
                                                now=ctx.clock()),
                           via=_said(describe(transport)),
                           delivers=getattr(transport, "delivers", True),
                           ask_name=not g.staff_name, staff_name=g.staff_name)


@blueprint.post("/send")
def send_now():
    """Start the send of the issue staff confirmed, in the background, approved as them
    (the same as `newsletter send --approve`), then show its progress on the sends page."""
    ctx = context()
    try:
        issue = approval.reviewable(ctx.store, _seen())
        by = approval.approver(_decider())
        tag = audience_of(ctx.settings, ctx.store, issue.id, now=ctx.clock()).tag
        settings, store, clock = ctx.settings, ctx.store, ctx.clock

        def send(progress):
            transport = ctx.new_transport()
            try:
                return send_next_issue(settings, store, transport, clock=clock,
                                       options=SendOptions(approve_as=by, tag=tag,
                                                           progress=progress))
            finally:
                transport.close()

        ctx.sends.start(send, SendProgress(issue.slug, by, ctx.clock(),
                                           language=ctx.settings.clinic.language))
    except NewsletterError as error:
        flash(_told(error), "error")
        return redirect(url_for("staff.preview"), code=303)
    flash(_("The send of issue %(slug)s has started; its progress is below.", slug=issue.slug))
    return redirect(url_for("staff.sends"), code=303)


@blueprint.get("/subscribers")
def subscribers(report: list[str] | None = None, status: int = 200):
    ctx = context()
    left = sorted(ctx.subscribers.list(status="unsubscribed"),
                  key=lambda s: s.unsubscribed_at, reverse=True)[:20]
    query = request.args.get("q", "")[:200]
    return render_template("staff/subscribers.html", counts=ctx.subscribers.counts(),
                           statuses=STATUSES, status_names=status_names(),
                           recent_unsubscribes=left, report=report,
                           query=query, found=ctx.subscribers.search(query) if query else None
                           ), status


def subscriber_action(view):
    """A change to one subscriber: its outcome is a message on the subscribers page."""

    @functools.wraps(view)
    def run():
        try:
            flash(view())
        except NewsletterError as error:
            flash(_told(error), "error")
        return redirect(url_for("staff.subscribers", q=request.form.get("q") or None), code=303)

    return run


@blueprint.post("/subscribers/add")
@subscriber_action
def add_subscriber() -> str:
    """What the front desk does when a patient says "sign me up": staff vouch for the
    address, so it is active at once (an address that left stays suppressed)."""
    ctx = context()
    person = ctx.subscribers.add(request.form.get("email", ""),
                                 name=request.form.get("name", ""),
                                 tags=parse_tags(request.form.get("tags", "")),
                                 source="staff", now=ctx.clock())
    return _("%(email)s is subscribed.", email=person.email)


@blueprint.post("/subscribers/remove")
@subscriber_action
def remove_subscriber() -> str:
    ctx = context()
    person = ctx.subscribers.remove(request.form.get("email", ""), now=ctx.clock(),
                                    source="staff")
    return _("%(email)s is unsubscribed and gets nothing more.", email=person.email)


@blueprint.get("/subscribers.csv")
def export_subscribers():
    """Everyone, suppressed included, as `newsletter subscribers export` writes them."""
    ctx = context()
    day = ctx.clock().astimezone(ctx.settings.zone).date().isoformat()
    return Response(ctx.subscribers.export_csv(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="subscribers-{day}.csv"'})


@blueprint.post("/subscribers/import")
def import_subscribers():
    """The same import and the same report as `newsletter subscribers import`."""
    ctx = context()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return subscribers(report=[_("Choose a CSV file to import.")], status=400)
    name = upload.filename
    try:
        text = decode_csv(upload.read(), name)
        report = ctx.subscribers.import_csv(text, source_name=name, now=ctx.clock())
    except NewsletterError as error:
        return subscribers(report=[_("error: %(message)s", message=_said(error.message))]
                           + ([_("hint: %(hint)s", hint=_said(error.hint))] if error.hint
                              else []), status=400)
    return subscribers(report=[_said(line) for line in report.lines(name)])


@blueprint.get("/sends")
def sends():
    ctx = context()
    issues = issue_stats(ctx.store.engine)
    return render_template("staff/sends.html", runs=ctx.store.recent_send_runs(),
                           issues=issues, current=ctx.sends.current,
                           clicked=issue_clicks(ctx.store.engine, [i.issue_id for i in issues]),
                           posts=Posts(ctx.store.engine).of_issues([i.issue_id for i in issues]),
                           labels={name: p.label for name, p in PLATFORMS.items()})


@blueprint.get("/archive")
def archive():
    """Every issue sent, with its web version and the clicks each article got."""
    return render_template("staff/archive.html", clicked=issue_clicks(context().store.engine))


def status_names() -> dict[str, str]:
    """A subscriber's status, an issue's, and the outcome of a send, as staff read them."""
    return {"pending": _("pending"), "active": _("active"), "unsubscribed": _("unsubscribed"),
            "bounced": _("bounced"), "complained": _("complained"),
            "draft": _("draft"), "held": _("held"), "approved": _("approved"),
            "sending": _("sending"), "sent": _("sent"),
            "running": _("running"), "complete": _("complete"), "incomplete": _("incomplete"),
            "paused": _("paused"), "failed": _("failed"), "interrupted": _("interrupted"),
            "rehearsal": _("rehearsal"), "nothing new": _("nothing new"),
            "stopped": _("stopped")}


@blueprint.app_template_filter("status")
def status_name(status: str) -> str:
    """`{{ run.outcome | status }}`: the word in the clinic's language (else as stored)."""
    return status_names().get(status, status)


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = request.args.get(name, choices[0])
    return value if value in choices else choices[0]


def _seen() -> str:
    """The fingerprint of the issue as the form's page showed it."""
    return request.form.get("issue", "")


def _decider() -> str:
    """The signed-in user name, else the name typed on the form (on the clinic's machine)."""
    return g.staff_name or request.form.get("name", "")
