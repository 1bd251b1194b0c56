"""Send the next issue to every active subscriber, once, whatever happens on the way.

The order of events is what makes it safe: take the send lock; build (or resume) the open
issue; freeze it as "sending" if it is still what was built (the staff preview rebuilds
without the lock; if it did meanwhile, build again); then for each subscriber the ledger
has not served, check they are still subscribed, hand the message to a connection, and
commit its ledger row before that connection takes another (mail/pool.py). Only when nobody
is left is the issue marked sent and its articles remembered. A crash anywhere leaves a
state the next run simply continues.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..audience.addresses import InvalidValue, normalize_address
from ..audience.subscribers import Subscribers
from ..common.clock import Clock
from ..common.errors import NewsletterError
from ..common.i18n import Phrase, joined
from ..common.model import Recipient
from ..common.settings import Settings
from ..issue.build import Evergreen, build_next_issue
from ..issue.clicks import article_links
from ..issue.message import issue_message, recipient_fields, sample_fields
from ..issue.render import RenderedIssue
from ..mail.pool import Job, Lanes
from ..mail.reports import no_such_address
from ..mail.transport import DeliveryError, Transport, TransportUnavailable
from ..storage.claims import Claims, release_claims_of, worker_name
from ..storage.ledger import Ledger
from ..storage.lock import Lock
from ..storage.issues import StoredIssue
from ..storage.store import Store
from .deferrals import give_up_reason

FREEZE_ATTEMPTS = 3
MAX_LISTED_FAILURES = 50
TEST_MARK = "[TEST]"
"""Before a test copy's subject: staff's inbox tells it from the real issue."""


class IssueHeld(NewsletterError):
    """The issue waits for staff: the flood guard held it, or its schedule needs approval."""

    exit_code = 4


class NoSubscribers(NewsletterError):
    def __init__(self):
        super().__init__("there are no active subscribers to send to",
                         hint="add some with `newsletter subscribers import FILE.csv`")


def message_key(slug: str, email: str) -> str:
    """Names one subscriber's copy of an issue, stably: an outbox file is found by the
    issue's date and the address."""
    return f"{slug}/{email}"


class SendPaused(NewsletterError):
    """Too many failures in a row, or the server went away: stop before burning the list."""


class NothingToJoin(NewsletterError):
    def __init__(self):
        super().__init__("no send is under way to join",
                         hint="start workers once `newsletter send` (or a schedule) has begun "
                              "sending the issue; `newsletter send` alone sends to everyone")


@dataclass
class SendReport:
    outcome: str  # complete, incomplete, paused, nothing new, rehearsal
    slug: str = ""
    subject: str = ""
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    gave_up: list[tuple[str, str]] = field(default_factory=list)
    """Addresses deferred too long, failed by this run: (address, why)."""
    seconds: float = 0.0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]
"""Told (done, total) after each subscriber."""


@dataclass(frozen=True)
class SendOptions:
    """What the caller asks of a send beyond "the next issue, to everyone not yet served"."""

    approve_as: str = ""
    """Staff approve the issue as they send it (a held issue needs this)."""
    require_approval: bool = False
    """A schedule that needs staff's approval: an unapproved issue is not sent."""
    tag: str | None = None
    """Only subscribers with this tag."""
    evergreen: Evergreen | None = None
    """What to send when nothing is new (see `build_next_issue`)."""
    progress: Progress | None = None
    join: bool = False
    """A worker: serve a share of the send another process began (and holds the send lock
    of), beside it, instead of refusing; see storage/claims.py."""


def send_next_issue(settings: Settings, store: Store, transport: Transport, *,
                    clock: Clock, options: SendOptions = SendOptions()) -> SendReport:
    """Deliver the open issue (building it first) to every active subscriber not yet served."""
    return IssueSend(settings, store, transport, clock, options).run()


@dataclass(frozen=True)
class IssueSend:
    """One send: who sends what, how, and when; `run` does it."""

    settings: Settings
    store: Store
    transport: Transport
    clock: Clock
    options: SendOptions
    wait: Callable[[float], object] = time.sleep
    """How a sender waits for the others to finish their claims."""

    def run(self) -> SendReport:
        secret = self.settings.require_secret_key()
        self.store.check_intact()  # damage anywhere stops a send before its first message
        if not getattr(self.transport, "delivers", True):
            return self._rehearse(secret)
        if self.options.join:
            return _raised_if_paused(self._join(secret))
        store, clock, tag = self.store, self.clock, self.options.tag
        stale_after = timedelta(seconds=self.settings.store.lock_stale_seconds)
        with Lock(store.engine, "send", purpose="a newsletter send", clock=clock,
                  stale_after=stale_after) as lock, lock.kept_alive():
            if lock.replaced:  # its holder is gone: so is its share of the list
                release_claims_of(store.engine, lock.replaced)
            for _ in range(FREEZE_ATTEMPTS):
                outcome = build_next_issue(self.settings, store, now=clock(),
                                           evergreen=self.options.evergreen)
                if outcome.issue is None:
                    return SendReport("nothing new", note=Phrase("nothing new in %(feed)s",
                                                                    feed=outcome.feed_url))
                issue = self._approved(outcome.issue)
                with Ledger(store.engine, issue.id) as ledger:
                    ledger.retry_deferred(now=clock())
                    total = ledger.count_remaining(tag=tag)
                    if total == 0 and issue.status != "sending":
                        raise NoSubscribers()
                    if not store.issues.freeze(issue, now=clock()):
                        continue  # the preview rebuilt it or staff held it since it was read
                    report = self._send_frozen(issue, outcome.rendered, ledger, lock, total,
                                               secret)
                    break
            else:
                raise NewsletterError("the issue changed %(times)d times as the send began",
                                      hint="run the send again", times=FREEZE_ATTEMPTS)
        return _raised_if_paused(report)

    def _join(self, secret: str) -> SendReport:
        """A worker's share of the issue being sent: no lock, no build, no freeze (the
        process that holds the send lock did those); claims keep the senders apart."""
        store = self.store
        issue = store.issues.open()
        if issue is None or issue.status != "sending":
            raise NothingToJoin()
        outcome = build_next_issue(self.settings, store, now=self.clock())  # as it was frozen
        if outcome.issue is None or outcome.issue.id != issue.id:
            raise NothingToJoin()  # it was completed meanwhile
        with Ledger(store.engine, issue.id) as ledger:
            return self._send_frozen(issue, outcome.rendered, ledger, _Joined(),
                                     ledger.count_remaining(tag=self.options.tag), secret)

    def _rehearse(self, secret: str) -> SendReport:
        """An outbox nobody sends from: every message the send would hand over is written,
        and nothing else happens (no lock, no ledger, no freeze), so the issue is still
        there, unsent, for the real send."""
        settings, tag = self.settings, self.options.tag
        outcome = build_next_issue(settings, self.store, now=self.clock(),
                                   evergreen=self.options.evergreen)
        if outcome.issue is None:
            return SendReport("nothing new", note=Phrase("nothing new in %(feed)s",
                                                                    feed=outcome.feed_url))
        rendered = outcome.rendered
        # a rehearsal's copies are not the issue sent: their clicks must not count
        links = article_links(rendered.slug, outcome.issue.articles, settings, secret=secret,
                              counted=False)
        template = issue_message(rendered, settings, date=self.clock(), links=links)
        report = SendReport("rehearsal", slug=rendered.slug, subject=rendered.subject)
        with Ledger(self.store.engine, outcome.issue.id) as ledger:
            tally = Tally(report, ledger.count_remaining(tag=tag), self.options.progress)
            if tally.total == 0:
                raise NoSubscribers()
            for recipient in ledger.remaining(tag=tag):
                fields = recipient_fields(recipient, settings, rendered.slug, secret=secret)
                self.transport.send(settings.sender.address, recipient.email,
                                    template.fill(fields), key=message_key(rendered.slug,
                                                                           recipient.email))
                report.sent += 1
                tally.advance()
        return report

    def _approved(self, issue: StoredIssue) -> StoredIssue:
        """The issue as it may be sent, approved by `approve_as` if they said so."""
        if issue.status in ("approved", "sending"):
            return issue
        now = self.clock()
        if self.options.approve_as:
            self.store.issues.approve(issue.id, by=self.options.approve_as, now=now)
            return self.store.issues.by_id(issue.id) or issue  # gone: freezing fails, we retry
        if issue.status == "held":
            raise IssueHeld("issue %(slug)s is held: %(reason)s", slug=issue.slug,
                            reason=issue.held_reason,
                            hint="check it with `newsletter build`, then send with --approve")
        if self.options.require_approval:
            raise IssueHeld("issue %(slug)s needs staff approval before it is sent",
                            slug=issue.slug,
                            hint="approve it with `newsletter approve` or in the web preview")
        return issue

    def _send_frozen(self, issue: StoredIssue, rendered: RenderedIssue, ledger: Ledger,
                     lock: Lock, total: int, secret: str) -> SendReport:
        """Deliver a frozen issue to whoever the ledger has not served; complete it when
        nobody is left."""
        store, clock = self.store, self.clock
        joining = isinstance(lock, _Joined)
        run_id = (store.join_send_run if joining else store.start_send_run)(issue.id, now=clock())
        report = SendReport("incomplete", slug=issue.slug, subject=issue.subject)
        try:
            self._deliver_and_settle(issue, rendered, ledger, lock, total, secret, report)
        except BaseException as error:
            report.outcome, report.note = "failed", _one_line(error)
            with contextlib.suppress(SQLAlchemyError):  # the error that matters is `error`
                store.finish_send_run(run_id, report, now=clock())
            raise
        store.finish_send_run(run_id, report, now=clock())
        return report

    def _deliver_and_settle(self, issue: StoredIssue, rendered: RenderedIssue, ledger: Ledger,
                            lock: Lock, total: int, secret: str, report: SendReport) -> None:
        store, clock = self.store, self.clock
        started = clock()
        links = article_links(issue.slug, issue.articles, self.settings, secret=secret,
                              counted=True)
        try:
            tally = Tally(report, total, self.options.progress)
            with self._claims(issue.id, worker=lock.holder, retry=ledger.retrying()) as claims:
                for recipients in claims.rounds():
                    self._deliver(rendered, links, ledger, recipients, lock, tally, secret)
        except TransportUnavailable as error:
            report.outcome, report.note = "paused", error.message
        finally:
            report.seconds = (clock() - started).total_seconds()
        notes = [report.note] if report.note else []
        notes += _gave_up_note(report) + _suppress_hard_bounces(store, ledger, clock())
        if report.outcome != "paused":
            left = ledger.count_remaining(tag=self.options.tag)
            counts = ledger.counts()
            if left == 0 and not counts.get("deferred"):
                store.issues.complete(issue.id, now=clock())
                report.outcome = "complete"
            elif counts.get("deferred"):
                notes.append(Phrase("%(num)d address(es) could not be reached for now; run the "
                                    "send again to retry them", plural="%(num)d address(es) "
                                    "could not be reached for now; run the send again to retry "
                                    "them", count=counts["deferred"]))
        report.note = joined(notes, "; ")

    def _claims(self, issue_id: int, *, worker: str, retry: set[int]) -> Claims:
        """This sender's share of the list, claimed a batch at a time (with the addresses
        deferred by earlier runs that it retries: only the lock holder does)."""
        workers = self.settings.workers
        return Claims(self.store.engine, issue_id, worker=worker, clock=self.clock,
                      lapse=timedelta(seconds=workers.claim_lapse_seconds),
                      batch=workers.claim_batch, wait=self.wait, tag=self.options.tag,
                      retry=retry)

    def _deliver(self, rendered: RenderedIssue, links: dict[str, str], ledger: Ledger,
                 recipients: Iterator[Recipient], lock: Lock, tally: Tally,
                 secret: str) -> None:
        """The hot loop over one round of this sender's claimed subscribers. Up to
        `smtp.connections` messages are under way at once; while the server digests them,
        the next subscriber's status is checked and their message filled; the ledger row of
        each message is committed before its connection takes another, and only while the
        send lock is still ours: a send that lost it (it was stalled so long that another
        send took over) stops. The pause rule counts failures in a row over all
        connections."""
        settings, clock, report = self.settings, self.clock, tally.report
        template = issue_message(rendered, settings, date=clock(), links=links)
        sender = settings.sender.address
        accepted_before = bool(ledger.counts().get("sent"))
        in_a_row = 0
        paused: TransportUnavailable | None = None

        def messages() -> Iterator[Job]:
            """Each subscriber still subscribed, and their message; those who left since
            the send began are recorded as skipped on the way."""
            for recipient in recipients:
                if ledger.still_active(recipient.id):
                    fields = recipient_fields(recipient, settings, rendered.slug, secret=secret)
                    yield Job(recipient, sender, template.fill(fields),
                              message_key(rendered.slug, recipient.email))
                    continue
                ledger.record(recipient.id, "skipped", now=clock(),
                              error="unsubscribed mid-send")
                report.skipped += 1
                tally.advance()

        lanes = Lanes(self.transport)
        with contextlib.closing(lanes.deliver(messages())) as outcomes:
            for outcome in outcomes:
                recipient, error = outcome.job.recipient, outcome.error
                if error is not None:
                    self._refused(ledger, lock, recipient, error, report)
                    if not (error.no_such_address and (accepted_before or report.sent)):
                        in_a_row += 1  # a dead address says nothing of a server that takes mail
                    if in_a_row >= settings.smtp.pause_after_failures and not paused:
                        paused = TransportUnavailable(
                            "%(failures)d addresses failed in a row (last: %(email)s: %(why)s)",
                            failures=in_a_row, email=recipient.email, why=error.message)
                        lanes.stop()  # those under way still come back and are recorded
                else:
                    _record(ledger, lock, recipient, "sent", now=clock())
                    report.sent += 1
                    in_a_row = 0
                tally.advance()
                lock.ensure_held()  # before this connection is handed another message
        if paused:
            raise paused

    def _refused(self, ledger: Ledger, lock: Lock, recipient: Recipient, error: DeliveryError,
                 report: SendReport) -> None:
        """Record a message the server would not take: failed for good (5xx), else deferred
        to the next run, unless earlier runs have tried long enough (see deferrals.py)."""
        now = self.clock()
        status, reason = "failed" if error.permanent else "deferred", str(error)
        if status == "deferred":
            if given_up := give_up_reason(ledger.deferral(recipient.id), self.settings.smtp,
                                          now=now):
                status, reason = "failed", f"{given_up}: {error}"
                report.gave_up.append((recipient.email, reason))
        _record(ledger, lock, recipient, status, now=now, error=reason)
        setattr(report, status, getattr(report, status) + 1)
        if len(report.failures) < MAX_LISTED_FAILURES:
            report.failures.append((recipient.email, reason))


def _record(ledger: Ledger, lock: Lock, recipient: Recipient, status: str, *, now: datetime,
            error: str | None = None) -> None:
    """The ledger row of a message handed over. If another send has a row for them already,
    it took our lock over while this one waited: LockLost says so, not a UNIQUE error."""
    try:
        ledger.record(recipient.id, status, now=now, error=error)
    except IntegrityError:
        lock.renew()
        raise


class ClaimsLost(NewsletterError):
    """Another sender served a subscriber this worker had claimed: the worker was silent so
    long that its claims were taken over."""


class _Joined:
    """The send lock as a worker has it: another process holds it (and keeps it alive); the
    worker's claims carry their own heartbeat."""

    def __init__(self):
        self.holder = worker_name()

    def heartbeat(self) -> bool:
        return True

    def ensure_held(self) -> None:
        pass

    def renew(self) -> None:
        """Asked when a ledger row is there already: another sender took over our claims."""
        raise ClaimsLost("another sender took over this worker's claims (it was silent "
                         "longer than workers.claim_lapse_seconds); it stops here",
                         hint="the others finish the send; give workers.claim_lapse_seconds "
                              "more room if a message can take that long")


def _raised_if_paused(report: SendReport) -> SendReport:
    if report.outcome == "paused":
        raise SendPaused(Phrase("the send of %(slug)s paused after %(num)d message(s): "
                                "%(why)s", plural="the send of %(slug)s paused after "
                                "%(num)d message(s): %(why)s", count=report.sent,
                                slug=report.slug, why=report.note),
                         hint="fix the cause, then run `newsletter send` again: it resumes "
                              "where it stopped")
    return report


@dataclass
class Tally:
    """The report as it fills, and the caller's progress told after each subscriber."""

    report: SendReport
    total: int
    progress: Progress | None
    done: int = 0

    def advance(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)


def _suppress_hard_bounces(store: Store, ledger: Ledger, now: datetime) -> list[str]:
    """Addresses the server said do not exist are marked bounced, so no later issue goes to
    them, whatever became of the run (paused too: a paused run that forgot them would meet
    them again in every later issue). Read from the ledger, so one a paused or crashed run
    recorded is marked by the next. Only once the server has taken some message of this
    issue: a server that refuses everyone (misconfigured, or not the right relay) must not
    empty the list."""
    dead = [(subscriber_id, address) for subscriber_id, address, reply in ledger.refused()
            if _says_no_such_address(reply)]
    if not dead:
        return []
    if not ledger.counts().get("sent"):
        return [Phrase("%(num)d address(es) were refused as nonexistent, but the server took "
                       "no other message, so they were not marked bounced",
                       plural="%(num)d address(es) were refused as nonexistent, but the server "
                       "took no other message, so they were not marked bounced",
                       count=len(dead))]
    subscribers = Subscribers(store.engine)
    for subscriber_id, _ in dead:
        subscribers.set_status(subscriber_id, "bounced", now=now)
    return [Phrase("%(num)d address(es) do not exist and are now marked bounced: no later "
                   "issue goes to them", plural="%(num)d address(es) do not exist and are now "
                   "marked bounced: no later issue goes to them", count=len(dead))]


def _says_no_such_address(reply: str) -> bool:
    """A ledger's "550 5.1.1 ..." as the transport recorded a 5xx reply."""
    code, _, status = reply.partition(" ")
    return code.isdigit() and code.startswith("5") and no_such_address(status)


def _gave_up_note(report: SendReport, listed: int = 5) -> list[str]:
    """Who was given up on and why, for the run's record (the sends page, a schedule's run)."""
    if not report.gave_up:
        return []
    names = joined([Phrase("%(address)s (%(reason)s)", address=address, reason=reason)
                    for address, reason in report.gave_up[:listed]], ", ")
    if len(report.gave_up) > listed:
        names = Phrase("%(names)s and %(more)d more", names=names,
                       more=len(report.gave_up) - listed)
    return [Phrase("%(num)d address(es) deferred too long are now failed: %(names)s",
                   plural="%(num)d address(es) deferred too long are now failed: %(names)s",
                   count=len(report.gave_up), names=names)]


def _one_line(error: BaseException) -> str:
    """What a run row says about the error that ended it: ours as the user reads it, any
    other with its kind (a bug or a fault nobody foresaw)."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(error, NewsletterError):
        return text[:500]
    return f"{type(error).__name__}: {text}"[:500] if text else type(error).__name__


@dataclass(frozen=True)
class SendPlan:
    """What a send would do now, for --dry-run: nothing is sent or recorded."""

    slug: str
    subject: str
    status: str
    total: int
    first: tuple[str, ...]


def plan_send(settings: Settings, store: Store, *, now: datetime, tag: str | None = None,
              show: int = 20) -> SendPlan | None:
    outcome = build_next_issue(settings, store, now=now)
    if outcome.issue is None:
        return None
    ledger = Ledger(store.engine, outcome.issue.id)
    try:
        first = []
        for recipient in ledger.remaining(tag=tag):
            if len(first) == show:
                break
            first.append(recipient.email)
        total = ledger.count_remaining(tag=tag)
    finally:
        ledger.close()
    return SendPlan(outcome.issue.slug, outcome.issue.subject, outcome.issue.status, total,
                    tuple(first))


def send_test(settings: Settings, store: Store, transport: Transport, address: str, *,
              now: datetime) -> str:
    """One copy of the next issue to `address`, exactly as subscribers get it; the ledger
    and the issue's state are untouched. A subscriber's copy carries their own working
    unsubscribe link; anyone else's a harmless sample. Returns the issue's slug."""
    try:
        address = normalize_address(address)
    except InvalidValue as error:
        raise NewsletterError("cannot send a test to %(address)r: %(why)s", address=address,
                              why=error.message) from None
    outcome = build_next_issue(settings, store, now=now)
    if outcome.issue is None:
        raise NewsletterError("nothing new in %(feed)s: there is no issue to test",
                              feed=outcome.feed_url)
    rendered = dataclasses.replace(outcome.rendered,
                                   subject=f"{TEST_MARK} {outcome.rendered.subject}")
    secret = settings.require_secret_key()
    links = article_links(rendered.slug, outcome.issue.articles, settings, secret=secret,
                          counted=False)  # a test copy's clicks are staff's, not readers'
    template = issue_message(rendered, settings, date=now, links=links)
    subscriber = Subscribers(store.engine).by_email(address)
    if subscriber is not None:
        fields = recipient_fields(Recipient(subscriber.id, subscriber.email, subscriber.name),
                                  settings, rendered.slug, secret=secret)
    else:
        fields = sample_fields(settings, rendered.slug, Recipient(0, address, ""))
    try:
        transport.send(settings.sender.address, address, template.fill(fields),
                       key=f"test/{rendered.slug}/{now:%Y%m%dT%H%M%S}-{address}")
    except DeliveryError as error:
        raise NewsletterError("the test message to %(address)s was refused: %(why)s",
                              address=address, why=error.message) from None
    finally:
        transport.close()
    return rendered.slug
