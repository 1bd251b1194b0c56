"""Several messages under way at once, one per lane (an SMTP connection, see
`Transport.lanes`), their outcomes handed back one at a time as they finish.

A relay tens of milliseconds away keeps one connection waiting most of the time; several
connections, each with its own message, fill that wait. Each lane is a thread (smtplib
blocks), and everything else stays in the caller's thread: it prepares the messages and
records the outcomes, so the ledger has one writer. A lane takes its next message only
when the caller comes back for the next outcome, that is after it recorded this one: a
send killed at any moment leaves at most one unrecorded message per lane.

A lane that cannot reach the server while others can (a provider that accepts fewer
connections than `smtp.connections`) is given up, and its message goes to another lane:
a cap costs speed, not the send. When no lane reaches the server, the send pauses.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..common.model import Recipient
from .transport import DeliveryError, Transport, TransportUnavailable


@dataclass(frozen=True)
class Job:
    recipient: Recipient
    sender: str
    message: bytes
    key: str


@dataclass(frozen=True)
class Outcome:
    job: Job
    error: DeliveryError | None = None
    """None: the server accepted the message."""


class Lanes:
    """`deliver` sends `jobs` over every lane of `transport` at once; `stop` lets the
    messages under way finish and come back, and sends no more."""

    def __init__(self, transport: Transport):
        self.transports = transport.lanes()
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    def deliver(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Outcomes in the order they finish. The next job is prepared while the lanes
        wait on the server. A lane that cannot reach it (TransportUnavailable) takes nothing
        more, and its job goes to another lane once one has reached the server; when none
        can, nothing more is sent: the outcomes under way still come back, then the error
        is raised."""
        jobs = iter(jobs)
        finished: queue.Queue = queue.Queue()
        lanes = [_Lane(transport, finished) for transport in self.transports]
        idle = list(reversed(lanes))
        under_way = 0
        reached = False  # some lane talked to the server: it is there
        unreachable: TransportUnavailable | None = None
        again: deque[Job] = deque()  # handed to a lane that could not reach the server
        upcoming = next(jobs, None)
        try:
            while True:
                while (idle and (again or upcoming) and not self.stopped
                       and (reached or unreachable is None)):
                    if again:
                        idle.pop().hand(again.popleft())
                    else:
                        idle.pop().hand(upcoming)
                        upcoming = next(jobs, None)
                    under_way += 1
                    os.sched_yield()  # the GIL to that lane, so it writes before we prepare
                    # more (not time.sleep(0): under libfaketime that raises EINVAL)
                if not under_way:
                    break
                lane, job, error = finished.get()
                under_way -= 1
                if isinstance(error, TransportUnavailable):
                    unreachable = unreachable or error
                    again.append(job)  # not sent; this lane takes nothing more
                    continue
                if error is not None and not isinstance(error, DeliveryError):
                    raise error  # a bug in a lane is the caller's to see
                reached = True
                yield Outcome(job, error)
                idle.append(lane)
        finally:
            for lane in lanes:
                lane.finish()
        if unreachable is not None and (again or not reached) and not self.stopped:
            raise unreachable


class _Lane:
    """One thread that sends what it is handed, one job at a time."""

    def __init__(self, transport: Transport, finished: queue.Queue):
        self.transport, self.finished = transport, finished
        self.inbox: queue.Queue = queue.Queue(maxsize=1)
        self.thread: threading.Thread | None = None

    def hand(self, job: Job) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, daemon=True,
                                           name="newsletter-smtp-lane")
            self.thread.start()
        self.inbox.put(job)

    def finish(self) -> None:
        """Waits for the job under way, if any (its outcome is then not recorded: only a
        caller that stopped iterating early gets here with one)."""
        if self.thread is not None:
            self.inbox.put(None)
            self.thread.join()

    def _work(self) -> None:
        while (job := self.inbox.get()) is not None:
            try:
                self.transport.send(job.sender, job.recipient.email, job.message, key=job.key)
            except BaseException as error:  # handed to the caller's thread, which decides
                self.finished.put((self, job, error))
            else:
                self.finished.put((self, job, None))
