"""Send now, from the staff pages: the very send `newsletter send` runs (its lock, its
ledger, its exactly-once), started in a background thread so the page answers at once; the
sends page shows how far it got. One at a time per server; the send lock keeps it to one
at a time with every other process too. What it says of the send (its outcome, an error)
is in the language of the clinic that started it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..common.errors import NewsletterError
from ..common.i18n import gettext, ngettext, number, translated
from ..delivery.sending import Progress, SendReport

log = logging.getLogger(__name__)


@dataclass
class SendProgress:
    """One send started from the page, as it goes."""

    slug: str
    by: str
    started_at: datetime
    done: int = 0
    total: int = 0
    outcome: str = "running"  # running, then the report's outcome, or stopped
    message: str = ""
    language: str = "en"
    """The clinic's: what `message` is said in."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = done, total

    def finish(self, outcome: str, message: str) -> None:
        with self.lock:
            self.outcome, self.message = outcome, message

    @property
    def running(self) -> bool:
        return self.outcome == "running"


class BackgroundSends:
    """The send this server started last, and the thread running it."""

    def __init__(self):
        self.current: SendProgress | None = None
        self.thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, send: Callable[[Progress], SendReport], progress: SendProgress) -> None:
        """Run `send` in the background, telling `progress`; refused while one runs."""
        with self._lock:
            if self.current is not None and self.current.running:
                raise NewsletterError("the send of issue %(slug)s is still running",
                                      slug=self.current.slug,
                                      hint="see its progress on the Sends page")
            self.current = progress
            self.thread = threading.Thread(target=self._run, args=(send, progress),
                                           name="send-now", daemon=True)
            self.thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the send to end (tests, and a server shutting down)."""
        if self.thread is not None:
            self.thread.join(timeout)

    @staticmethod
    def _run(send: Callable[[Progress], SendReport], progress: SendProgress) -> None:
        language = progress.language
        try:
            report = send(progress.update)
        except NewsletterError as error:
            progress.finish("stopped", error.told(language))
        except Exception:  # a bug: logged with its traceback, and the page says so
            log.exception("the send of issue %s failed", progress.slug)
            progress.finish("stopped", gettext(language, "an unexpected error stopped it; the "
                                                         "server's log has the details. Sending "
                                                         "again resumes it."))
        else:
            progress.finish(report.outcome, _summary(report, language))


def _summary(report: SendReport, language: str) -> str:
    """What became of the send, in one line: "412 sent, 0 failed, 0 skipped, 0 deferred"."""
    note = translated(report.note, language) if report.note else ""
    if report.outcome == "rehearsal":
        return ngettext(language, "%(num)d message written to the outbox; nothing was e-mailed "
                                  "and the issue stays open (no SMTP server is configured)",
                        "%(num)d messages written to the outbox; nothing was e-mailed and the "
                        "issue stays open (no SMTP server is configured)", report.sent)
    if report.outcome == "nothing new":
        return gettext(language, "nothing to send: %(why)s", why=note)
    text = gettext(language, "%(sent)s sent, %(failed)s failed, %(skipped)s skipped, "
                             "%(deferred)s deferred",
                   **{key: number(getattr(report, key), language)
                      for key in ("sent", "failed", "skipped", "deferred")})
    return gettext(language, "%(counts)s; %(note)s", counts=text, note=note) if note else text
