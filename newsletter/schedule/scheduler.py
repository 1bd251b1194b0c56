"""`newsletter scheduler`: one long-running process on APScheduler 3's BlockingScheduler.

Each pitfall in /work/shared/scheduling-pitfalls.md has its answer here:

- One scheduler per database (pitfalls 1, 2): the process holds the "scheduler" lock, with
  a heartbeat, for its whole life. A second one (on this host or another) is a standby: it
  says who runs, waits, and takes over within a minute of the first dying. The send keeps
  its own lock and ledger, and each slot is claimed once in the run log, so even overlapping
  runs cannot send anything twice.
- The job store is the project's database (SQLAlchemyJobStore on the project's engine, with
  pool_pre_ping, WAL and a busy timeout: pitfall 7), patient when the database is not there
  (apscheduler_parts.py); jobs are named by text with plain arguments (pitfall 5) and fixed
  ids, replaced at every start (pitfall 6).
- job_defaults: coalesce=True (pitfall 4), max_instances=1, misfire_grace_time from the
  config (pitfall 3). A run later than that is not sent: the issue is held and staff told.
  A slot dropped because the previous run is still going is recorded too, and staff told.
- Every trigger has an explicit ZoneInfo, and so has the scheduler (pitfall 8).
- SIGTERM and SIGINT stop it cleanly: a run under way finishes, the lock is released, and
  the exit code is 0 (pitfall 10). SIGHUP reloads the schedule files.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta, timezone

from apscheduler.events import (EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED,
                                EVENT_SCHEDULER_STARTED)
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.exc import SQLAlchemyError

from ..common.clock import utc_now
from ..common.errors import NewsletterError, StoreError
from ..common.settings import Settings
from ..storage.lock import Lock, LockHeld
from ..storage.run_log import RunLog
from ..storage.store import Store
from .apscheduler_parts import PatientJobStore, SlotExecutor
from .jobs import JOB_FUNCTION, handle_missed_run, handle_skipped_run, job_args
from .patience import reason
from .schedules import JOB_ID_PREFIX, Schedule

JOB_TABLE = "apscheduler_jobs"
HEARTBEAT_SECONDS = 10.0
STALE_AFTER = timedelta(seconds=45)
"""A scheduler silent this long is taken for dead by a standby on another host (one on the
same host sees a dead process at once): four heartbeats missed, and with the standby's poll
a takeover within a minute."""
STANDBY_POLL_SECONDS = 5.0
WORKERS = 4
log = logging.getLogger("newsletter.scheduler")


def run_scheduler(settings: Settings, read_schedules: Callable[[], list[Schedule]], *,
                  heartbeat_seconds: float = HEARTBEAT_SECONDS) -> int:
    """Run the schedules until SIGTERM or SIGINT (returns 0) or until the lock is lost to
    another process (returns 1); SIGHUP reads them again with `read_schedules`. While
    another scheduler holds the lock, wait as its standby. Raises what `read_schedules`
    raises."""
    schedules = read_schedules()
    store = Store.open(settings.database_url)
    lock = Lock(store.engine, "scheduler", purpose="a scheduler", clock=utc_now,
                stale_after=STALE_AFTER)
    executor = SlotExecutor(WORKERS)
    jobstore = PatientJobStore(engine=store.engine, tablename=JOB_TABLE)
    scheduler = BlockingScheduler(
        jobstores={"default": jobstore, "once": MemoryJobStore()},
        executors={"default": executor},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": settings.scheduler.misfire_grace_seconds},
        timezone=settings.zone)
    heartbeat = Heartbeat(lock, every=heartbeat_seconds, on_lost=lambda: _stop(scheduler))
    args = job_args(settings)
    reloader = Reloader(lambda: _sync_jobs(scheduler, jobstore, read_schedules(), args))
    _stop_on_signals(scheduler)
    try:
        _stand_by(lock)
    except BaseException:
        store.engine.dispose()
        raise
    try:
        schedules = read_schedules()  # as they are now, after a standby's wait
        _sync_jobs(scheduler, jobstore, schedules, args)
        _resume_interrupted(scheduler, store, schedules, args)
        scheduler.add_listener(_told_to_staff(handle_missed_run, "missed its slot", args),
                               EVENT_JOB_MISSED)
        scheduler.add_listener(_told_to_staff(handle_skipped_run, "skipped its slot", args),
                               EVENT_JOB_MAX_INSTANCES)
        scheduler.add_listener(lambda _event: _log_started(scheduler, settings, schedules),
                               EVENT_SCHEDULER_STARTED)
        # reloads begin once the scheduler runs; a SIGHUP before that waits for them
        scheduler.add_listener(lambda _event: reloader.start(), EVENT_SCHEDULER_STARTED)
        signal.signal(signal.SIGHUP, lambda _signum, _frame: reloader.request())
        heartbeat.start()
        scheduler.start()  # returns once shut down
        executor.shutdown(wait=True)  # a run under way finishes before the lock goes
    finally:
        reloader.stop()
        heartbeat.stop()
        lock.release()
        store.engine.dispose()
    if heartbeat.lost:
        return 1
    log.info("scheduler stopped")
    return 0


def _stand_by(lock: Lock) -> None:
    """Take the scheduler lock, waiting as a standby while another scheduler holds it: one
    process runs the schedules, any number wait, and the first to see it gone takes over
    (SIGTERM stops the wait). A standby rather than an error, so that the same unit runs
    on two hosts, and a restart after a crash never gives up on a lock that looks held."""
    said = False
    while True:
        try:
            lock.acquire()
        except LockHeld as held:
            if not said:
                log.info("standby: %s; this one takes over when it stops", held)
                said = True
        except SQLAlchemyError as error:
            log.warning("standby: cannot read the scheduler lock (trying again): %s",
                        reason(error))
        else:
            if said:
                log.info("the other scheduler is gone; taking over")
            return
        time.sleep(STANDBY_POLL_SECONDS)


def _sync_jobs(scheduler: BlockingScheduler, jobstore: SQLAlchemyJobStore,
               schedules: list[Schedule], args: list[str]) -> int:
    """One job per schedule file, by fixed id, replacing what the store holds; a schedule
    whose file is gone leaves the store. An unchanged schedule keeps its stored next run
    time: replace_existing alone recomputes it from now, which would silently skip a slot
    missed while the scheduler was down instead of running it (coalesced) or holding it.
    Before the start, and while running for a reload; returns how many schedules."""
    if not scheduler.running:
        jobstore.start(scheduler, "default")  # readable before the scheduler starts
    stored = {job.id: job for job in jobstore.get_all_jobs()}
    wanted = {schedule.job_id for schedule in schedules}
    for job_id in stored.keys() - wanted:
        if scheduler.running:
            scheduler.remove_job(job_id, "default")
        else:
            jobstore.remove_job(job_id)
        log.info("%s: removed (its file is gone)", job_id)
    for schedule in schedules:
        trigger = schedule.trigger()
        kept = stored.get(schedule.job_id)
        keep = {}
        if kept is not None and kept.next_run_time and repr(kept.trigger) == repr(trigger):
            keep["next_run_time"] = kept.next_run_time
        scheduler.add_job(JOB_FUNCTION, trigger, args=[schedule.key, *args],
                          id=schedule.job_id, name=f"{schedule.name} ({schedule.key})",
                          jobstore="default", replace_existing=True, **keep)
    return len(schedules)


def _resume_interrupted(scheduler: BlockingScheduler, store: Store,
                        schedules: list[Schedule], args: list[str]) -> None:
    """A scheduler killed mid-send left its run "running": that send resumes now, not at
    the next slot a week later (the ledger makes sure nobody gets it twice)."""
    keys = RunLog(store.engine).interrupted(now=utc_now())
    issue = store.issues.open()
    if not keys or issue is None or issue.status != "sending":
        return
    senders = {s.key for s in schedules if s.action == "send"}
    key = next((k for k in keys if k in senders), None)
    if key is None:
        log.warning("the send of issue %s was interrupted; finish it with `newsletter send`",
                    issue.slug)
        return
    log.warning("%s: the send of issue %s was interrupted (its process died); resuming it",
                key, issue.slug)
    scheduler.add_job(JOB_FUNCTION, DateTrigger(run_date=utc_now()), args=[key, *args],
                      id=f"resume:{key}", name=f"resume {key}", jobstore="once",
                      replace_existing=True)


def _told_to_staff(handle: Callable, what: str, args: list[str]) -> Callable:
    """APScheduler drops a run later than the grace time (EVENT_JOB_MISSED) or one whose
    previous run is still going (EVENT_JOB_MAX_INSTANCES) with only a log line; here each
    is `handle`d: a run row, and staff told (a missed slot's issue is held for them)."""

    def listener(event) -> None:
        if not event.job_id.startswith(JOB_ID_PREFIX):
            return
        key = event.job_id[len(JOB_ID_PREFIX):]
        slot = getattr(event, "scheduled_run_time", None) or event.scheduled_run_times[-1]
        try:
            handle(key, *args, slot)
        except NewsletterError as error:
            log.error("%s: %s, and then: %s", key, what, error)
        except SQLAlchemyError as error:
            log.error("%s: %s, and the database is unavailable to record it: %s", key, what,
                      reason(error))
        except Exception:
            log.exception("%s: %s, and handling that failed", key, what)

    return listener


def _log_started(scheduler: BlockingScheduler, settings: Settings,
                 schedules: list[Schedule]) -> None:
    for job in scheduler.get_jobs():
        when = job.next_run_time
        log.info("%s: next run %s (%s)", job.id,
                 f"{when.astimezone(settings.zone):%a %Y-%m-%d %H:%M:%S %Z}",
                 f"{when.astimezone(timezone.utc):%H:%M:%S} UTC")
    log.info("scheduler started (process %d): %d schedule(s), runs up to %d s late still go "
             "out", os.getpid(), len(schedules), settings.scheduler.misfire_grace_seconds)


def _stop_on_signals(scheduler: BlockingScheduler) -> None:
    """The first SIGTERM or SIGINT stops the scheduler after the run under way; a second
    one stops at once (a send resumes where it stopped at the next start)."""
    stopping: list[str] = []

    def stop(signum, _frame) -> None:
        name = signal.Signals(signum).name
        if stopping:
            log.warning("%s again: stopping now; an interrupted send resumes at the next "
                        "start", name)
            os._exit(1)
        stopping.append(name)
        log.info("%s: stopping once the run under way (if any) finishes", name)
        if not _stop(scheduler):
            raise SystemExit(0)  # not started yet: nothing runs, just leave

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _stop(scheduler: BlockingScheduler) -> bool:
    try:
        scheduler.shutdown(wait=False)
    except SchedulerNotRunningError:
        return False
    return True


class Reloader(threading.Thread):
    """SIGHUP (`systemctl reload`) reads the schedule files again and applies them to the
    running scheduler. The signal only wakes this thread: the work happens here, outside
    the signal handler. A bad edit is logged and changes nothing."""

    def __init__(self, reload: Callable[[], int]):
        super().__init__(name="schedule-reloader", daemon=True)
        self.reload = reload
        self._requested = threading.Event()
        self._stopped = False

    def request(self) -> None:
        self._requested.set()

    def run(self) -> None:
        while self._requested.wait() and not self._stopped:
            self._requested.clear()
            try:
                count = self.reload()
            except NewsletterError as error:
                log.error("schedules not reloaded, the old ones still apply: %s", error)
                continue
            log.info("schedules reloaded: %d schedule(s)", count)

    def stop(self) -> None:
        self._stopped = True
        self._requested.set()


class Heartbeat(threading.Thread):
    """Shows the scheduler lock is alive; if another process took it over (this one
    looked dead for STALE_AFTER), this scheduler stops rather than run beside it."""

    def __init__(self, lock: Lock, *, every: float, on_lost: Callable[[], object]):
        super().__init__(name="scheduler-heartbeat", daemon=True)
        self.lock, self.every, self.on_lost = lock, every, on_lost
        self.lost = False
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.every):
            try:
                alive = self.lock.heartbeat()
            except (SQLAlchemyError, StoreError) as error:  # a fault of the file is a StoreError
                log.warning("scheduler lock heartbeat failed (trying again): %s", error)
                continue
            if not alive:
                self.lost = True
                log.error("another process took over the scheduler lock; stopping")
                self.on_lost()
                return

    def stop(self) -> None:
        self._stopped.set()


def configure_logging(verbose: bool) -> None:
    """One line per event on stderr (journald or a terminal), in UTC; APScheduler's and
    Alembic's own chatter only with --verbose, their warnings (a missed run, a skipped run)
    always."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                  "%Y-%m-%d %H:%M:%S UTC")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(logging.INFO if verbose else logging.WARNING)
