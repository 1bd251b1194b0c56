"""newsletter send: the next issue to every active subscriber, exactly once."""

from __future__ import annotations

import getpass
import sys

import click

from ..common.clock import utc_now
from ..common.i18n import number
from ..common.settings import Settings
from ..delivery.alerts import check_feed_health
from ..delivery.sending import SendOptions, SendPlan, SendReport, plan_send, send_next_issue, send_test
from ..mail.transport import describe, transport_for
from ..storage.store import Store
from .base import _, _n, common_options, language, main, said, status_name


@main.command()
@common_options
@click.option("--dry-run", is_flag=True, help="Show who would get what; send and record nothing.")
@click.option("--to", "test_address", metavar="ADDRESS",
              help="Send one test copy to ADDRESS; the ledger and the issue are untouched.")
@click.option("--approve", is_flag=True,
              help="Approve the issue as you send it (a held issue needs this).")
def send(settings: Settings, dry_run: bool, test_address: str | None, approve: bool):
    """Send the next issue to every active subscriber, exactly once.

    A send that stopped (a crash, a dead server, too many failures) resumes where it left
    off when run again; nobody gets the issue twice. Without an SMTP host in the config,
    messages are written to the outbox folder as .eml files, and that is a rehearsal:
    nothing counts as sent, unless store.outbox_delivers says a mail server sends from
    that folder. A feed that keeps failing is
    reported to scheduler.staff_alert_address once (and once when it recovers).

    \b
    Examples:
      newsletter send --dry-run
      newsletter send --to me@clinic.example
      newsletter send
    """
    store = Store.open(settings.database_url)
    at = utc_now()
    if dry_run:
        _print_plan(plan_send(settings, store, now=at), transport_for(settings))
        return
    transport = transport_for(settings)
    if test_address:
        slug = send_test(settings, store, transport, test_address, now=at)
        click.echo(_("Sent a test copy of issue %(slug)s to %(address)s via %(via)s.",
                     slug=slug, address=test_address, via=said(describe(transport))))
        return
    progress = ProgressBar()
    try:
        report = send_next_issue(settings, store, transport, clock=utc_now, options=SendOptions(
            approve_as=getpass.getuser() if approve else "", progress=progress))
    finally:
        progress.close()
        check_feed_health(settings, store, transport, now=utc_now())
        transport.close()
    _print_report(report, transport)
    if report.outcome not in ("complete", "nothing new", "rehearsal"):
        sys.exit(1)


class ProgressBar:
    """A bar on stderr, shown only for sends long enough to need one."""

    SHOW_FROM = 200

    def __init__(self):
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and total >= self.SHOW_FROM:
            self.bar = click.progressbar(length=total, label=_("Sending"), file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _print_plan(plan: SendPlan | None, transport) -> None:
    if plan is None:
        click.echo(_("Nothing new: no issue would be sent."))
        return
    click.echo(_("Would send issue %(slug)s (%(status)s): %(subject)s", slug=plan.slug,
                 status=status_name(plan.status), subject=plan.subject))
    click.echo(_n("  to %(num)d subscriber(s) via %(via)s:", "  to %(num)d subscriber(s) via "
                  "%(via)s:", plan.total, via=said(describe(transport))))
    for address in plan.first:
        click.echo(f"    {address}")
    if plan.total > len(plan.first):
        click.echo(_("    ... and %(more)d more", more=plan.total - len(plan.first)))
    if plan.status == "held":
        click.secho(_("  HELD: it will not be sent without --approve."), fg="yellow")
    click.echo(_("Dry run: nothing was sent and nothing was recorded."))


def _print_report(report: SendReport, transport) -> None:
    if report.outcome == "nothing new":
        click.echo(_("Nothing to send: %(why)s.", why=said(report.note)))
        return
    if report.outcome == "rehearsal":
        click.echo(_("Rehearsal of issue %(slug)s: %(subject)s", slug=report.slug,
                     subject=report.subject))
        click.echo(_n("  wrote %(num)d message(s) to the %(via)s, one per subscriber",
                      "  wrote %(num)d message(s) to the %(via)s, one per subscriber",
                      report.sent, via=said(describe(transport))))
        click.secho(_("  Nothing was e-mailed and nothing was recorded: the issue stays open "
                      "for the real send."), fg="yellow")
        click.echo(_("  To e-mail it, set [smtp] host (see the README's Sending); if a mail "
                     "server sends from that folder, set store.outbox_delivers = true."))
        return
    click.echo(_("Issue %(slug)s (%(outcome)s) via %(via)s: %(subject)s", slug=report.slug,
                 outcome=status_name(report.outcome), via=said(describe(transport)),
                 subject=report.subject))
    click.echo(_("  sent %(sent)d, failed %(failed)d, skipped %(skipped)d, deferred "
                 "%(deferred)d; %(seconds)s s, %(rate)s messages/s", sent=report.sent,
                 failed=report.failed, skipped=report.skipped, deferred=report.deferred,
                 seconds=number(report.seconds, language(), digits=1),
                 rate=number(round(report.rate), language(), digits=0)))
    for address, reason in report.failures:
        click.echo(f"    {address}: {said(reason)}")
    if report.note:
        click.secho(f"  {said(report.note)}", fg="yellow")
