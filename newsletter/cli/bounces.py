"""newsletter bounces: read the bounce mailbox and stop mailing who it says to."""

from __future__ import annotations

from pathlib import Path

import click

from ..audience.subscribers import Subscribers
from ..common.clock import utc_now
from ..common.settings import Settings
from ..mail.bounces import OUTCOMES, process_bounces
from .base import _, common_options, main


@main.command("bounces")
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def bounces(settings: Settings, paths: tuple[Path, ...]):
    """Read bounce and complaint reports and stop mailing the addresses they name.

    Point it at the mail that came back to the sender address: message files (.eml), a
    folder of them, an mbox file or a Maildir folder. An address a bounce report says does not exist is
    marked bounced; a subscriber a complaint (feedback loop) report names is marked
    complained. Neither gets another issue, and no import brings them back. Other mail,
    a full mailbox or a delay changes nothing. Reading the same mail again changes nothing.

    \b
    Example:
      newsletter bounces ~/Maildir/.Bounces
    """
    tally = process_bounces(paths, Subscribers.open(settings.database_url),
                            secret=settings.require_secret_key(), now=utc_now(),
                            say=lambda line: click.echo(f"  {line}"))
    words = {"message(s) read": _("%(num)d message(s) read"),
             "marked bounced": _("%(num)d marked bounced"),
             "marked complained": _("%(num)d marked complained"),
             "already suppressed": _("%(num)d already suppressed"),
             "not a subscriber": _("%(num)d not a subscriber"), "ignored": _("%(num)d ignored")}
    click.echo(", ".join(words[key] % {"num": tally[key]} for key in OUTCOMES) + ".")
