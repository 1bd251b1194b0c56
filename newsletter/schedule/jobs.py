"""What a schedule runs. APScheduler's job store pickles each job, so the job is this
module's function named by text ("newsletter.schedule.jobs:run_schedule") with plain arguments: the
schedule's key and where the configuration lives (pitfall 5). It reads the settings afresh,
so an edited config applies from the next run, and sends through `send_next_issue`, the very
code `python send.py` runs.

Every run is recorded (schedule_runs) and logged in one line. A problem someone can act on
(the feed is down, the issue waits for approval, another send is running) is that line and
the scheduler carries on; a bug raises, APScheduler logs its traceback, and it carries on.
A run at a slot first claims the slot in the run log, so a slot runs once: not again in the
hour that repeats when the clocks go back, nor when a standby takes over. A database that is
unavailable at the slot fails the run: staff are told, and the run is recorded once the
database is back.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ..common.clock import utc_now
from ..common.errors import NewsletterError, NotFound, StoreError
from ..common.settings import Settings, load_settings
from ..delivery.alerts import check_feed_health, notify_staff
from ..delivery.sending import IssueHeld, SendOptions, send_next_issue
from ..feed.evergreen import choose_evergreen, load_evergreen
from ..feed.health import Notice
from ..issue.build import build_next_issue
from ..mail.transport import Transport, transport_for
from ..social.posting.accounts import postable
from ..social.posting.post import post_issue
from ..social.files import snippet_files
from ..social.snippets import compose_all
from ..storage.lock import LockHeld
from ..storage.run_log import RunLog, SlotTaken
from ..storage.store import Store
from .patience import reason, when_database_is_back
from .schedules import Schedule, read_schedule, real_time, slot_key

JOB_FUNCTION = "newsletter.schedule.jobs:run_schedule"
log = logging.getLogger("newsletter.scheduler")


@dataclass(frozen=True)
class Result:
    outcome: str  # sent, incomplete, nothing new, held, busy, failed, exported, error
    slug: str | None = None
    note: str = ""


def job_args(settings: Settings) -> list[str]:
    """The plain arguments after the schedule's key that let a job find its settings."""
    return [str(settings.config_file or ""), str(settings.base_dir)]


def run_schedule(key: str, config: str, workdir: str, slot: str | None = None) -> str:
    """Run schedule `key` now, for its `slot` (ISO text, from the scheduler; None: not a
    slot of its own, e.g. resuming a killed send); returns the outcome (sent, nothing new,
    held, ..., or "already ran" for a slot that has run)."""
    try:
        settings, schedule = load_schedule(key, config, workdir)
        store = Store.open(settings.database_url)
    except NewsletterError as error:
        log.error("%s: cannot run: %s", key, error)
        return "failed"
    runs = RunLog(store.engine)
    transport = transport_for(settings)
    at = real_time(datetime.fromisoformat(slot), schedule.zone) if slot else None
    try:
        try:
            run_id = runs.start(key, now=utc_now(), slot=at, slot_key=at and slot_key(at))
        except SlotTaken:
            log.info("%s: its %s slot has run already; not running it again", key,
                     f"{at:%a %Y-%m-%d %H:%M %Z}")
            return "already ran"
        except (SQLAlchemyError, StoreError) as error:
            return _database_failed(settings, transport, runs, schedule, at, error)
        result = Result("error", note="a bug stopped the run; see the traceback in the log")
        try:
            result = _attempt(settings, store, transport, schedule)
        except SQLAlchemyError as error:
            result = Result("failed", note=f"the database failed during the run: "
                                           f"{reason(error)}")
        finally:
            _record_when_back(settings, f"{key}: recording the run", lambda: runs.finish(
                run_id, result.outcome, now=utc_now(), slug=result.slug,
                note=result.note or None))
            (log.error if result.outcome in ("failed", "error") else log.info)(
                "%s: %s%s%s", key, result.outcome,
                f" issue {result.slug}" if result.slug else "",
                f": {result.note}" if result.note else "")
            if schedule.action == "send":
                _check_feed_health(settings, store, transport)
        return result.outcome
    finally:
        transport.close()
        store.engine.dispose()


def handle_skipped_run(key: str, config: str, workdir: str, slot: datetime) -> str:
    """A slot came while the schedule's previous run was still going (APScheduler runs one
    at a time and drops the slot with a warning): recorded as skipped, and staff told."""
    settings, schedule = load_schedule(key, config, workdir)
    at, now = real_time(slot, schedule.zone), utc_now()
    store = Store.open(settings.database_url)
    transport = transport_for(settings)
    try:
        runs = RunLog(store.engine)
        going = next((run for run in runs.runs(key, limit=5) if run.outcome == "running"),
                     None)
        since = (f", running since {going.started_at.astimezone(schedule.zone):%H:%M:%S %Z}"
                 if going else "")
        note = f"the previous run was still going{since}; this slot was not run"
        if not runs.record(key, "skipped", now=now, slot=at, slot_key=slot_key(at),
                           note=note):
            return "already ran"
        log.warning("%s: skipped its %s slot: %s", key, f"{at:%a %H:%M %Z}", note)
        notify_staff(settings, transport, Notice(
            f"Newsletter: the {schedule.name} schedule skipped its {at:%A %H:%M} slot",
            f"The {schedule.name} schedule did not run at {at:%A %Y-%m-%d %H:%M %Z}: its "
            f"previous run was still going{since}. Nothing is lost: the issue goes out with "
            "that run or the next one. If runs keep overlapping, the SMTP server may be "
            "slow or stuck; check the log (journalctl -u newsletter-scheduler).\n"), now=now)
    finally:
        transport.close()
        store.engine.dispose()
    return "skipped"


def _database_failed(settings: Settings, transport: Transport, runs: RunLog,
                     schedule: Schedule, slot: datetime | None,
                     error: SQLAlchemyError | StoreError) -> str:
    """The database was unavailable at the slot: nothing can be sent safely. Staff are told
    now; the failed run is recorded once the database is back."""
    what = f"at {slot:%A %Y-%m-%d %H:%M %Z}" if slot else "just now"
    note = f"the database was unavailable: {reason(error)}; nothing was sent"
    log.error("%s: failed: %s", schedule.key, note)
    notify_staff(settings, transport, Notice(
        f"Newsletter: the {schedule.name} schedule could not run",
        f"The {schedule.name} schedule could not run {what}: the database was unavailable "
        f"({reason(error)}). Nothing was sent; the schedule runs again at its next slot.\n\n"
        "Once the database is reachable again, send the issue by hand with "
        "`newsletter send` if it should not wait.\n"), now=utc_now())
    _record_when_back(settings, f"{schedule.key}: recording the failed run",
                      lambda: runs.record(schedule.key, "failed", now=utc_now(), slot=slot,
                                          slot_key=slot and slot_key(slot), note=note))
    return "failed"


def _record_when_back(settings: Settings, what: str, record) -> None:
    """`record()`, waiting for the database as long as a late run may still go out."""
    give_up_at = utc_now() + timedelta(seconds=settings.scheduler.misfire_grace_seconds)
    try:
        when_database_is_back(record, what=what, give_up=lambda: utc_now() > give_up_at)
    except (SQLAlchemyError, StoreError) as error:
        log.error("%s: gave up, the database is still unavailable: %s", what, reason(error))


def _check_feed_health(settings: Settings, store: Store, transport: Transport) -> None:
    try:
        check_feed_health(settings, store, transport, now=utc_now())
    except (SQLAlchemyError, StoreError) as error:
        log.error("feed health not checked, the database is unavailable: %s", reason(error))


def handle_missed_run(key: str, config: str, workdir: str, slot: datetime) -> str:
    """A slot passed more than the grace time ago (the scheduler was down): nothing is sent;
    the issue it would have sent is built and held for staff, and they are told."""
    settings, schedule = load_schedule(key, config, workdir)
    now, at = utc_now(), real_time(slot, schedule.zone)
    missed = (f"missed its {slot.astimezone(schedule.zone):%A %H:%M} slot by "
              f"{duration(now - slot)}")
    store = Store.open(settings.database_url)
    if RunLog(store.engine).slot_has_run(key, slot_key(at)):
        store.engine.dispose()  # the first pass of a repeated hour ran: nothing was missed
        return "already ran"
    transport = transport_for(settings)
    slug = None
    try:
        if schedule.action != "send":
            note = f"{missed}; not run"
        else:
            try:
                issue = build_next_issue(_settings_for(settings, schedule), store, now=now,
                                         evergreen=_evergreen_picker(store, schedule)).issue
            except NewsletterError as error:
                issue, note = None, f"{missed}; the issue could not be built: {error}"
            else:
                note = f"{missed}; nothing new, so nothing would have gone out"
            if issue is not None and issue.status == "sending":
                slug, note = issue.slug, f"{missed}; issue {issue.slug} is being sent already"
            elif issue is not None:
                slug = issue.slug
                note = (f"{missed}; check it, then send it with `newsletter send --approve` "
                        "(or approve it for the next run)")
                store.issues.hold(issue.id, reason=note, now=now)
                notify_staff(settings, transport, Notice(
                    f"Newsletter: issue {issue.slug} was not sent on time",
                    f"The {schedule.name} schedule {missed}, more than the "
                    f"{duration(timedelta(seconds=settings.scheduler.misfire_grace_seconds))} "
                    f"grace time, so issue {issue.slug} ({issue.subject}) was held instead "
                    "of going out late.\n\nCheck it with `newsletter build`, then send it with "
                    "`newsletter send --approve`, or approve it with `newsletter approve` and "
                    "the schedule sends it at its next run.\n"), now=now)
        if not RunLog(store.engine).record(key, "missed", now=now, slot=at,
                                           slot_key=slot_key(at), slug=slug, note=note):
            return "already ran"
        log.warning("%s: missed: %s", key, note)
        if schedule.action == "send":
            check_feed_health(settings, store, transport, now=utc_now())
    finally:
        transport.close()
        store.engine.dispose()
    return "missed"


def load_schedule(key: str, config: str, workdir: str) -> tuple[Settings, Schedule]:
    settings = load_settings(Path(config) if config else None, cwd=Path(workdir))
    path = settings.path(settings.scheduler.schedules) / f"{key}.toml"
    if not path.is_file():
        raise NotFound(f"{path}: the schedule is gone",
                       hint="restart the scheduler after removing or renaming a schedule")
    return settings, read_schedule(path, default_timezone=settings.clinic.timezone,
                                   base_dir=settings.base_dir)


def duration(late: timedelta) -> str:
    """`5 h`, `12 min`: how late, in words a person reads at a glance."""
    seconds = late.total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _attempt(settings: Settings, store: Store, transport: Transport,
             schedule: Schedule) -> Result:
    try:
        if schedule.action == "social":
            return _export_social(settings, store, schedule)
        if schedule.action == "post":
            return _post(settings, store)
        return _send(settings, store, transport, schedule)
    except IssueHeld as error:
        return _held(settings, store, transport, schedule, error)
    except LockHeld as error:
        return Result("busy", note=str(error))
    except NewsletterError as error:
        return Result("failed", note=str(error))


def _send(settings: Settings, store: Store, transport: Transport,
          schedule: Schedule) -> Result:
    report = send_next_issue(_settings_for(settings, schedule), store, transport, clock=utc_now,
                             options=SendOptions(require_approval=schedule.requires_approval,
                                                 tag=schedule.tag,
                                                 evergreen=_evergreen_picker(store, schedule)))
    if report.outcome == "nothing new":
        return Result("nothing new", note=report.note)
    if report.outcome == "rehearsal":
        return Result("rehearsed", report.slug, f"{report.sent} written to the outbox; "
                      "nothing e-mailed (no smtp.host)")
    note = (f"{report.sent} sent, {report.failed} failed, {report.skipped} skipped, "
            f"{report.deferred} deferred" + (f"; {report.note}" if report.note else ""))
    return Result("sent" if report.outcome == "complete" else "incomplete", report.slug, note)


def _held(settings: Settings, store: Store, transport: Transport, schedule: Schedule,
          error: IssueHeld) -> Result:
    issue = store.issues.open()
    slug = issue.slug if issue else None
    notify_staff(settings, transport, Notice(
        f"Newsletter: issue {slug} waits for you",
        f"The {schedule.name} schedule did not send issue {slug}"
        f"{f' ({issue.subject})' if issue else ''}: {error}.\n\n"
        "Check it with `newsletter build` (or in the web preview), then approve it with "
        "`newsletter approve`: the schedule sends it at its next run. To send it now, run "
        "`newsletter send --approve`.\n"), now=utc_now())
    return Result("held", slug, str(error))


def _export_social(settings: Settings, store: Store, schedule: Schedule) -> Result:
    """The open issue's snippets (else the last sent issue's), written to the schedule's
    folder, a folder per issue; the feed is not fetched."""
    issue = store.issues.open() or store.issues.last_sent()
    if issue is None:
        return Result("nothing new", note="there is no issue yet")
    snippets = compose_all(issue.articles, clinic_name=settings.clinic.name,
                           language=settings.clinic.language)
    folder = settings.path(schedule.folder) / issue.slug
    for name, text in snippet_files(issue.slug, issue.articles, snippets).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return Result("exported", issue.slug, f"{len(snippets)} snippets in {folder}")


def _post(settings: Settings, store: Store) -> Result:
    """The articles of the issue that went out last (or is going out) on every network
    with an account set up, each once: what patients got by email, and nothing staff did
    not let out."""
    issue = store.issues.being_sent_or_last_sent()
    if issue is None:
        return Result("nothing new", note="no issue has been sent yet")
    if not postable(settings):
        return Result("failed", issue.slug, "no network has an account set up: set "
                      "NEWSLETTER_MASTODON_URL and NEWSLETTER_MASTODON_TOKEN (or Bluesky's, "
                      "Facebook's) in the environment")
    outcomes = post_issue(settings, store, issue, clock=utc_now)
    counts = Counter(outcome.status for outcome in outcomes)
    problems = list(dict.fromkeys(f"{o.platform}: {o.message}" for o in outcomes if not o.ok))
    note = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    return Result("posted" if not problems else "failed", issue.slug,
                  note + "".join(f"; {problem}" for problem in problems))


def _settings_for(settings: Settings, schedule: Schedule) -> Settings:
    if schedule.articles_per_issue is None:
        return settings
    return dataclasses.replace(settings, issue=dataclasses.replace(
        settings.issue, articles_per_issue=schedule.articles_per_issue))


def _evergreen_picker(store: Store, schedule: Schedule):
    if schedule.when_nothing_new != "evergreen":
        return None
    return lambda: choose_evergreen(load_evergreen(schedule.evergreen_path),
                                    mailed=store.mailed_links(),
                                    last_sent=store.evergreen_last_sent())
