"""newsletter bounces: read the bounce mailbox and stop mailing who it says to."""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click

from ..audience.subscribers import Subscribers
from ..common.errors import NewsletterError
from ..common.settings import Settings
from ..mail.reports import HardBounce, Ignored, read_report
from .base import common_options, main, now


@main.command("bounces")
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def bounces(settings: Settings, paths: tuple[Path, ...]):
    """Read bounce and complaint reports and stop mailing the addresses they name.

    Point it at the mail that came back to the sender address: message files (.eml), an
    mbox file or a Maildir folder. An address a bounce report says does not exist is
    marked bounced; a subscriber a complaint (feedback loop) report names is marked
    complained. Neither gets another issue, and no import brings them back. Other mail,
    a full mailbox or a delay changes nothing. Reading the same mail again changes nothing.

    \b
    Example:
      newsletter bounces ~/Maildir/.Bounces
    """
    secret = settings.require_secret_key()
    subscribers = Subscribers.open(settings.database_url)
    tally: Counter[str] = Counter()
    for path in paths:
        for where, raw in _messages(path):
            tally["message(s) read"] += 1
            for finding in read_report(raw, secret=secret):
                outcome, said = _apply(subscribers, finding)
                tally[outcome] += 1
                if said:
                    click.echo(f"  {where}: {said}: {outcome}")
    order = ("message(s) read", "marked bounced", "marked complained", "already suppressed",
             "not a subscriber", "ignored")
    click.echo(", ".join(f"{tally[key]} {key}" for key in order) + ".")


def _apply(subscribers: Subscribers, finding) -> tuple[str, str]:
    """What became of the subscriber a finding names, and the finding in words."""
    if isinstance(finding, Ignored):
        return "ignored", ""
    if isinstance(finding, HardBounce):
        found, status = subscribers.by_email(finding.address), "bounced"
        said = f"{found.email if found else finding.address} does not exist ({finding.status})"
    else:
        found, status = subscribers.get(finding.subscriber_id), "complained"
        said = (f"{found.email if found else f'subscriber {finding.subscriber_id}'} "
                f"complained ({finding.feedback_type})")
    if found is None:
        return "not a subscriber", said
    changed = subscribers.set_status(found.id, status, now=now())
    return (f"marked {status}" if changed else "already suppressed"), said


def _messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each message under `path` with where it was: a Maildir folder, an mbox file, or one
    message file."""
    try:
        if path.is_dir():
            if not (path / "cur").is_dir() or not (path / "new").is_dir():
                raise NewsletterError(f"{path}: a folder that is not a Maildir (no cur/ and "
                                      "new/)", hint="give a Maildir folder, an mbox file or "
                                                    ".eml files")
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{path.name}/{key}", box.get_bytes(key)
            return
        with path.open("rb") as file:
            is_mbox = file.read(5) == b"From "
        if not is_mbox:
            yield path.name, path.read_bytes()
            return
        box = mailbox.mbox(path, create=False)
        for number, key in enumerate(box.keys(), start=1):
            yield f"{path.name} #{number}", box.get_bytes(key)
    except FileNotFoundError:
        raise NewsletterError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise NewsletterError(f"{path}: cannot read it: {error.strerror or error}") from None
