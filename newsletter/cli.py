"""The `newsletter` command: a few lines per command over the library.

A user error prints one line (and a hint) and exits non-zero; `--verbose` adds the traceback.
This module and the scheduler are the only places that read the clock.
"""

from __future__ import annotations

import dataclasses
import functools
import getpass
import json
import sys
import traceback
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import click

from .build import BuildOutcome, build_next_issue
from .errors import NewsletterError, NotFound, SubscriberError
from .message import sample_fields
from .render import GMAIL_CLIP_BYTES, personalize
from .sending import SendPlan, SendReport, plan_send, send_next_issue, send_test
from .settings import Settings, load_settings
from .snippets import Snippet, compose_all
from .social import choose_articles, listing, platform_names, snippets_document
from .store import Store
from .subscribers import STATUSES, ImportReport, Subscriber, Subscribers, read_csv_file
from .transport import describe, transport_for

class Commands(click.Group):
    """Turns a NewsletterError from any command into one clear line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsletterError as error:
            if ctx.meta.get("verbose"):
                traceback.print_exc()
            click.secho(f"error: {error}", fg="red", err=True)
            if error.hint:
                click.echo(f"hint: {error.hint}", err=True)
            ctx.exit(error.exit_code)


def common_options(command):
    """--config and --verbose on every command, where users type them."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path),
                  help="Configuration file [default: ./newsletter.toml if present, "
                       "else the bundled sample clinic].")
    @click.option("--verbose", "-v", is_flag=True, help="Show the traceback of an error.")
    @functools.wraps(command)
    def wrapper(*args, config_path: Path | None, verbose: bool, **kwargs):
        click.get_current_context().meta["verbose"] = verbose
        return command(*args, settings=load_settings(config_path), **kwargs)

    return wrapper


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clinic-newsletter")
def main():
    """Turn a clinic's blog feed into a newsletter email and social snippets.

    Start with `newsletter build`: it runs on the bundled sample clinic with no
    configuration at all.
    """


@main.command()
@common_options
@click.option("--feed", help="Feed URL or file to use instead of feed.source.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
              show_default=True,
              help="Folder for email.html, email.txt, issue.json, social.json and social/.")
@click.option("--subject", default="", help="Use this subject instead of the derived one.")
@click.option("--preheader", default="", help="Use this preheader instead of the derived one.")
def build(settings: Settings, feed: str | None, out_dir: Path, subject: str, preheader: str):
    """Build the next issue from the feed and write it to a folder for review.

    \b
    Example:
      newsletter build --feed https://clinic.example/blog/feed.xml --out out/
    """
    if feed:
        settings = dataclasses.replace(settings, feed=dataclasses.replace(settings.feed,
                                                                          source=feed))
    store = Store.open(settings.database_url)
    outcome = build_next_issue(settings, store, now=datetime.now(timezone.utc),
                               subject=subject, preheader=preheader)
    if outcome.issue is None:
        click.echo(f"Nothing new in {outcome.feed_url}: no issue was built.")
        _print_warnings(outcome.warnings)
        return
    snippets = compose_all(outcome.issue.articles, clinic_name=settings.clinic.name)
    written = write_issue_files(outcome, settings, out_dir, snippets)
    _print_summary(outcome, written, snippets)


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
    messages are written to the outbox folder as .eml files.

    \b
    Examples:
      newsletter send --dry-run
      newsletter send --to me@clinic.example
      newsletter send
    """
    store = Store.open(settings.database_url)
    now = datetime.now(timezone.utc)
    if dry_run:
        _print_plan(plan_send(settings, store, now=now), transport_for(settings))
        return
    transport = transport_for(settings)
    if test_address:
        slug = send_test(settings, store, transport, test_address, now=now)
        click.echo(f"Sent a test copy of issue {slug} to {test_address} via {describe(transport)}.")
        return
    progress = ProgressBar()
    try:
        report = send_next_issue(settings, store, transport,
                                 clock=lambda: datetime.now(timezone.utc),
                                 approve_as=getpass.getuser() if approve else "",
                                 progress=progress)
    finally:
        progress.close()
        transport.close()
    _print_report(report, transport)
    if report.outcome != "complete" and report.outcome != "nothing new":
        sys.exit(1)


class ProgressBar:
    """A bar on stderr, shown only for sends long enough to need one."""

    SHOW_FROM = 200

    def __init__(self):
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and total >= self.SHOW_FROM:
            self.bar = click.progressbar(length=total, label="Sending", file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _print_plan(plan: SendPlan | None, transport) -> None:
    if plan is None:
        click.echo("Nothing new: no issue would be sent.")
        return
    click.echo(f"Would send issue {plan.slug} ({plan.status}): {plan.subject}")
    click.echo(f"  to {plan.total} subscriber(s) via {describe(transport)}:")
    for address in plan.first:
        click.echo(f"    {address}")
    if plan.total > len(plan.first):
        click.echo(f"    ... and {plan.total - len(plan.first)} more")
    if plan.status == "held":
        click.secho("  HELD: it will not be sent without --approve.", fg="yellow")
    click.echo("Dry run: nothing was sent and nothing was recorded.")


def _print_report(report: SendReport, transport) -> None:
    if report.outcome == "nothing new":
        click.echo(f"Nothing to send: {report.note}.")
        return
    click.echo(f"Issue {report.slug} ({report.outcome}) via {describe(transport)}: {report.subject}")
    click.echo(f"  sent {report.sent}, failed {report.failed}, skipped {report.skipped}, "
               f"deferred {report.deferred}; {report.seconds:.1f} s, {report.rate:.0f} messages/s")
    for address, reason in report.failures:
        click.echo(f"    {address}: {reason}")
    if report.note:
        click.secho(f"  {report.note}", fg="yellow")


def write_issue_files(outcome: BuildOutcome, settings: Settings, out_dir: Path,
                      snippets: list[Snippet]) -> list[Path]:
    """The issue as a sample subscriber gets it, plus what staff need to check it: the
    email, its summary, every social snippet, and the lead article's ready to paste."""
    rendered, issue = outcome.rendered, outcome.issue
    fields = sample_fields(settings, issue.slug)
    (out_dir / "social").mkdir(parents=True, exist_ok=True)
    lead = issue.articles[0].id
    files = {
        "email.html": personalize(rendered.html, fields, html=True),
        "email.txt": personalize(rendered.text, fields, html=False),
        "issue.json": json.dumps({
            "slug": issue.slug,
            "status": issue.status,
            "held": issue.status == "held",
            "subject": issue.subject,
            "preheader": issue.preheader,
            "web_url": rendered.web_url,
            "feed": outcome.feed_url,
            "html_bytes": len(rendered.html.encode()),
            "articles": [{"id": a.id, "title": a.title, "url": a.url,
                          "published": a.published.isoformat() if a.published else None}
                         for a in issue.articles],
            "warnings": list(outcome.warnings),
        }, indent=2, ensure_ascii=False) + "\n",
        "social.json": json.dumps(snippets_document(issue.slug, issue.articles, snippets),
                                  indent=2, ensure_ascii=False) + "\n",
        **{f"social/{s.platform}.txt": s.text + "\n" for s in snippets if s.article_id == lead},
    }
    for name, content in files.items():
        (out_dir / name).write_text(content, encoding="utf-8")
    return [out_dir / name for name in files]


def _print_summary(outcome: BuildOutcome, written: list[Path], snippets: list[Snippet]
                   ) -> None:
    issue, size = outcome.issue, len(outcome.rendered.html.encode())
    click.echo(f"Issue {issue.slug} ({issue.status}): {issue.subject}")
    click.echo(f"  {len(issue.articles)} article(s):")
    for article in issue.articles:
        click.echo(f"    - {article.title}")
    verdict = "fits" if size <= GMAIL_CLIP_BYTES else "WILL BE CLIPPED by Gmail"
    click.echo(f"  HTML {size / 1024:.1f} KB of Gmail's {GMAIL_CLIP_BYTES // 1024} KB clip "
               f"limit: {verdict}")
    if issue.status == "held":
        click.secho("  HELD for staff: it will not be sent without approval.", fg="yellow")
    click.echo(f"  Social: {len(snippets)} snippets ({len(issue.articles)} article(s) on "
               f"{len({s.platform for s in snippets})} platforms), each within its limit")
    noted = Counter((s.platform, note) for s in snippets for note in s.notes)
    _print_warnings(outcome.warnings + tuple(
        f"{platform} snippet of {count} article(s): {note}"
        for (platform, note), count in noted.items()))
    emails = [p for p in written if p.parent.name != "social"]
    lead = [p for p in written if p.parent.name == "social"]
    click.echo(f"  Wrote {', '.join(str(p) for p in emails)}"
               + (f" and {len(lead)} lead snippets in {lead[0].parent}/" if lead else ""))


@main.command()
@common_options
@click.option("--article", "article_id",
              help="Only the article with this id, address or slug (its address's last part).")
@click.option("--latest", is_flag=True, help="Only the newest article.")
@click.option("--platform", "platform_name",
              help="Only this platform: x, facebook, linkedin, instagram, mastodon, bluesky, "
                   "threads or google_business [default: all].")
def social(settings: Settings, article_id: str | None, latest: bool,
           platform_name: str | None):
    """Print the social snippets of the open issue (else the last one sent), to copy.

    Each comes with its count as the platform counts it, and its limit.

    \b
    Example:
      newsletter social --latest --platform bluesky
    """
    platforms = platform_names(platform_name)
    store = Store.open(settings.database_url)
    issue = store.open_issue() or next(iter(store.sent_issues(limit=1)), None)
    if issue is None:
        raise NotFound("there is no issue yet", hint="run `newsletter build` first")
    for article in choose_articles(issue.articles, article_id=article_id, latest=latest):
        click.echo(f"=== {article.title} ({article.id}) ===\n")
        for snippet in compose_all((article,), clinic_name=settings.clinic.name,
                                   platforms=platforms):
            click.echo(listing(snippet))


def _print_warnings(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        click.secho(f"  warning: {warning}", fg="yellow")


@main.group("subscribers")
def subscribers_group():
    """Who gets the newsletter: import, add, remove, list and export subscribers.

    An address that unsubscribed, bounced or complained is kept as suppressed and is never
    made active again by an import or by `add`.

    \b
    Example:
      newsletter subscribers import patients.csv
    """


@subscribers_group.command("import")
@common_options
@click.argument("file", type=click.Path(path_type=Path))
def import_subscribers(settings: Settings, file: Path):
    """Import subscribers from a UTF-8 CSV file whose first line names the columns:
    `email` (required), `name` and `tags` (optional; tags separated by ";").

    Every bad row is reported with its line number and skipped; the good rows are
    imported. Importing the same file again changes nothing.

    \b
    Example:
      newsletter subscribers import patients.csv
    """
    text = read_csv_file(file)
    report = _subscribers(settings).import_csv(text, source_name=str(file), now=_now())
    _print_import_report(file, report)


@subscribers_group.command("add")
@common_options
@click.argument("email")
@click.option("--name", default="", help="The subscriber's name, for the greeting.")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
def add_subscriber(settings: Settings, email: str, name: str, tags: tuple[str, ...]):
    """Add one subscriber (active), or update the name and tags of one already there.

    \b
    Example:
      newsletter subscribers add ana@example.com --name "Ana Lopez" --tag back-pain
    """
    now = _now()
    subscriber = _subscribers(settings).add(email, name=name, tags=tags, source="cli", now=now)
    done = ("Added" if subscriber.created_at == now else
            "Updated" if subscriber.updated_at == now else "Unchanged:")
    click.echo(f"{done} {subscriber.email} ({subscriber.status})")


@subscribers_group.command("remove")
@common_options
@click.argument("email")
def remove_subscriber(settings: Settings, email: str):
    """Unsubscribe an address for good: no import or `add` brings it back.
    An address that is not on the list is recorded as unsubscribed all the same.

    \b
    Example:
      newsletter subscribers remove ana@example.com
    """
    now = _now()
    subscriber = _subscribers(settings).remove(email, now=now)
    if subscriber.updated_at == now:
        click.echo(f"Unsubscribed {subscriber.email}"
                   + (" (it was not on the list)" if subscriber.created_at == now else ""))
    else:
        click.echo(f"{subscriber.email} is already {subscriber.why_suppressed()}")


@subscribers_group.command("list")
@common_options
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers in this status.")
@click.option("--tag", help="Only subscribers with this tag.")
def list_subscribers(settings: Settings, status: str | None, tag: str | None):
    """Show subscribers as a table, by address, and how many there are.

    \b
    Example:
      newsletter subscribers list --status active --tag back-pain
    """
    found = _subscribers(settings).list(status=status, tag=tag)
    if found:
        click.echo(_table(found))
    click.echo(f"{len(found)} subscriber(s)")


@subscribers_group.command("export")
@common_options
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of the standard output.")
def export_subscribers(settings: Settings, out: Path | None):
    """Write every subscriber, suppressed ones included, as CSV (email, name, tags,
    status, created_at, unsubscribed_at). The file imports back without changing
    anything, except that an import activates pending addresses.

    \b
    Example:
      newsletter subscribers export --out subscribers.csv
    """
    text = _subscribers(settings).export_csv()
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SubscriberError(f"{out}: cannot write the file: {error.strerror}") from None
    click.echo(f"Wrote {text.count(chr(10)) - 1} subscriber(s) to {out}")


def _subscribers(settings: Settings) -> Subscribers:
    return Subscribers.open(settings.database_url)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _print_import_report(file: Path, report: ImportReport) -> None:
    click.echo(f"{file}: {report.added} added, {report.updated} updated, "
               f"{report.unchanged} unchanged, {len(report.suppressed)} suppressed, "
               f"{len(report.duplicates)} duplicate(s), {len(report.errors)} error(s)")
    for line, raw, reason in report.problems():
        click.echo(f"  line {line}: {raw!r} — {reason}")
    _print_warnings(report.warnings)


def _table(found: list[Subscriber]) -> str:
    rows = [("email", "name", "status", "tags", "added")] + [
        (s.email, s.name[:30], s.status, ";".join(s.tags)[:30], f"{s.created_at:%Y-%m-%d}")
        for s in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in rows)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
