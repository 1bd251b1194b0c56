"""Send now, from the staff pages: the very send `newsletter send` runs (its lock, its
ledger, its exactly-once), started in a background thread so the page answers at once; the
sends page shows how far it got. One at a time per server; the send lock keeps it to one
at a time with every other process too."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..common.errors import NewsletterError
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
                raise NewsletterError(f"the send of issue {self.current.slug} is still running",
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
        try:
            report = send(progress.update)
        except NewsletterError as error:
            progress.finish("stopped", str(error) + (f" ({error.hint})" if error.hint else ""))
        except Exception:  # a bug: logged with its traceback, and the page says so
            log.exception("the send of issue %s failed", progress.slug)
            progress.finish("stopped", "an unexpected error stopped it; the server's log "
                                       "has the details. Sending again resumes it.")
        else:
            progress.finish(report.outcome, _summary(report))


def _summary(report: SendReport) -> str:
    if report.outcome == "rehearsal":
        return (f"{report.sent} message(s) written to the outbox; nothing was e-mailed and "
                "the issue stays open (no SMTP server is configured)")
    if report.outcome == "nothing new":
        return f"nothing to send: {report.note}"
    text = (f"{report.sent} sent, {report.failed} failed, {report.skipped} skipped, "
            f"{report.deferred} deferred")
    return text + (f"; {report.note}" if report.note else "")
