"""newsletter subscribers: import, add, remove, list, export."""

from __future__ import annotations

from pathlib import Path

import click

from ..audience.csv_file import read_csv_file
from ..audience.subscribers import STATUSES, ImportReport, Subscriber, Subscribers
from ..common.errors import SubscriberError
from ..common.clock import utc_now
from ..common.settings import Settings
from .base import _, _n, common_options, main, said, status_name


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
    report = _subscribers(settings).import_csv(text, source_name=str(file), now=utc_now())
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
    at = utc_now()
    subscriber = _subscribers(settings).add(email, name=name, tags=tags, source="cli", now=at)
    who = {"email": subscriber.email, "status": status_name(subscriber.status)}
    click.echo(_("Added %(email)s (%(status)s)", **who) if subscriber.created_at == at else
               _("Updated %(email)s (%(status)s)", **who) if subscriber.updated_at == at else
               _("Unchanged: %(email)s (%(status)s)", **who))


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
    at = utc_now()
    subscriber = _subscribers(settings).remove(email, now=at)
    if subscriber.updated_at == at:
        click.echo(_("Unsubscribed %(email)s (it was not on the list)", email=subscriber.email)
                   if subscriber.created_at == at else
                   _("Unsubscribed %(email)s", email=subscriber.email))
    else:
        click.echo(_("%(email)s is already %(why)s", email=subscriber.email,
                     why=said(subscriber.why_suppressed())))


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
    click.echo(_n("%(num)d subscriber(s)", "%(num)d subscriber(s)", len(found)))


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
        raise SubscriberError("%(path)s: cannot write the file: %(why)s", path=out,
                              why=error.strerror) from None
    click.echo(_n("Wrote %(num)d subscriber(s) to %(path)s", "Wrote %(num)d subscriber(s) to "
                  "%(path)s", text.count(chr(10)) - 1, path=out))


def _subscribers(settings: Settings) -> Subscribers:
    return Subscribers.open(settings.database_url)


def _print_import_report(file: Path, report: ImportReport) -> None:
    for line in report.lines(str(file)):
        if line.startswith("  warning: "):
            click.secho(said(line), fg="yellow")
        else:
            click.echo(said(line))


def _table(found: list[Subscriber]) -> str:
    rows = [(_("email"), _("name"), _("status"), _("tags"), _("added"))] + [
        (s.email, s.name[:30], status_name(s.status), ";".join(s.tags)[:30],
         f"{s.created_at:%Y-%m-%d}")
        for s in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in rows)

