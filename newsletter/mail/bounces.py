"""What the mail that comes back does to the list: every message under the paths staff give
(Maildir folders, mbox files, message files) read as a report, and each finding applied to
the subscriber it names. The reading of a report is `reports`'s; this is the I/O around it,
so that the command line, the scheduler or the web can all run it.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from ..audience.subscribers import Subscribers
from ..common.errors import NewsletterError
from .reports import Finding, HardBounce, Ignored, read_report

OUTCOMES = ("message(s) read", "marked bounced", "marked complained", "already suppressed",
            "not a subscriber", "ignored")


def process_bounces(paths: Iterable[Path], subscribers: Subscribers, *, secret: str,
                    now: datetime, say: Callable[[str], None] = lambda line: None
                    ) -> Counter[str]:
    """How many messages and findings came to what; `say` hears a line for each finding
    that named someone, as it is applied. Reading the same mail again changes nothing."""
    tally: Counter[str] = Counter()
    for path in paths:
        for where, raw in messages_in(path):
            tally["message(s) read"] += 1
            for finding in read_report(raw, secret=secret):
                outcome, said = apply_finding(subscribers, finding, now=now)
                tally[outcome] += 1
                if said:
                    say(f"{where}: {said}: {outcome}")
    return tally


def apply_finding(subscribers: Subscribers, finding: Finding, *, now: datetime
                  ) -> tuple[str, str]:
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
    changed = subscribers.set_status(found.id, status, now=now)
    return (f"marked {status}" if changed else "already suppressed"), said


def messages_in(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each message under `path` with where it was: a Maildir folder, a folder of .eml
    files (what a mail program saves), an mbox file, or one message file."""
    try:
        if path.is_dir() and not ((path / "cur").is_dir() and (path / "new").is_dir()):
            files = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() == ".eml")
            if not files:
                raise NewsletterError("%(path)s: neither a Maildir nor a folder of .eml files",
                                      path=path, hint="give a Maildir folder, an mbox file, .eml files "
                                           "or a folder of them")
            for file in files:
                yield file.name, file.read_bytes()
            return
        if path.is_dir():
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
        raise NewsletterError("%(path)s: no such file or folder", path=path) from None
    except OSError as error:
        raise NewsletterError("%(path)s: cannot read it: %(why)s", path=path,
                              why=error.strerror or error) from None
