"""newsletter approve / hold: staff's say over the open issue before a schedule sends it."""

from __future__ import annotations

import getpass

import click

from ..common.clock import utc_now
from ..common.settings import Settings
from ..issue.approval import approve as approve_issue
from ..issue.approval import fingerprint, reviewable
from ..issue.approval import hold as hold_issue
from ..storage.issues import StoredIssue
from ..storage.store import Store
from .base import _, common_options, main, print_issue


@main.command()
@common_options
@click.option("--as", "approver", metavar="NAME",
              help="Record the approval under this name [default: your login name].")
@click.option("--yes", "-y", is_flag=True, help="Approve without asking.")
def approve(settings: Settings, approver: str | None, yes: bool):
    """Approve the open issue, so that a schedule that needs approval sends it.

    Shows the issue first (check the full email with `newsletter build`). A held issue is
    approved too; an issue being sent or already sent cannot be.

    \b
    Example:
      newsletter approve --as "Dr. Glenn"
    """
    store = Store.open(settings.database_url)
    issue = reviewable(store)
    _show(issue)
    if issue.status == "approved":
        when = issue.approved_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z")
        click.echo(_("Already approved by %(name)s on %(when)s.", name=issue.approved_by,
                     when=when))
        return
    if not yes:
        click.confirm(_("Approve it for sending?"), abort=True)
    approved = approve_issue(store, fingerprint(issue), by=approver or getpass.getuser(),
                             now=utc_now())
    click.echo(_("Approved issue %(slug)s as %(name)s.", slug=approved.slug,
                 name=approved.approved_by))


@main.command()
@common_options
@click.option("--reason", default="", help="Why, for whoever looks next.")
def hold(settings: Settings, reason: str):
    """Hold the open issue: no schedule sends it until it is approved.

    \b
    Example:
      newsletter hold --reason "wait for the holiday hours article"
    """
    store = Store.open(settings.database_url)
    issue = hold_issue(store, None, by=getpass.getuser(), reason=reason, now=utc_now())
    _show(issue)
    click.echo(_("Held issue %(slug)s; approve it with `newsletter approve` when ready.",
                 slug=issue.slug))


def _show(issue: StoredIssue) -> None:
    print_issue(issue)
    if issue.status == "held" and issue.held_reason:
        click.secho(_("  held: %(reason)s", reason=issue.held_reason), fg="yellow")
