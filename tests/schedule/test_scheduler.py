"""`newsletter scheduler` as real processes on a real SQLite file, sending through a real
SMTP server: on time, killed and restarted, stopped across its slots, and two at once.

Schedules here use cron's `second` field to fire a few seconds ahead."""

import configparser
import os
import signal
import socket
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete, insert, select, update

from newsletter.schedule.jobs import job_args
from newsletter.schedule.scheduler import JOB_TABLE, Heartbeat, _sync_jobs
from newsletter.schedule.schedules import load_schedules
from newsletter.storage import db
from newsletter.storage.lock import Lock
from newsletter.storage.process import ProcessIdentity
from newsletter.storage.run_log import RunLog

from ..helpers import NEWSLETTER, ROOT, clean_env, item, rss, wait_until
from ..sending_setup import ENV, add_subscribers, make_clinic, now, numbered, open_clinic
from ..smtpserver import SmtpServer

pytestmark = pytest.mark.usefixtures("each_database")

CHICAGO = ZoneInfo("America/Chicago")
STAFF = "frontdesk@clinic.example"


def clinic(folder: Path, smtp: SmtpServer, *, grace: int = 3600, subscribers: int = 3,
           rate: float = 0):
    config = make_clinic(folder, port=smtp.port, rate=rate, extra=f"""
[scheduler]
misfire_grace_seconds = {grace}
staff_alert_address = "{STAFF}"
""")
    settings, store = open_clinic(config)
    add_subscribers(store, numbered(subscribers))
    (folder / "schedules").mkdir()
    return config, settings, store


def schedule_at(folder: Path, *slots: datetime, key: str = "soon") -> None:
    """A send schedule firing at `slots` (one minute of one hour, Chicago time)."""
    local = [slot.astimezone(CHICAGO) for slot in slots]
    assert len({(t.hour, t.minute) for t in local}) == 1
    seconds = ",".join(str(t.second) for t in local)
    (folder / "schedules" / f"{key}.toml").write_text(
        f'action = "send"\ncron = {{ hour = {local[0].hour}, minute = {local[0].minute}, '
        f'second = "{seconds}" }}\n')


# A scheduler process must be up before its slot: Python and the imports take a second or
# two here, more on a busy machine, so the slots are this far ahead.
LEAD = 7


def slots_ahead(lead: float, count: int = 1, gap: int = 2) -> list[datetime]:
    """`count` whole-second times `gap` s apart, the first `lead` s or more from now, all
    in one minute."""
    first = (datetime.now(timezone.utc) + timedelta(seconds=lead)).replace(microsecond=0)
    if first.second + gap * (count - 1) > 59:
        first = first.replace(second=0) + timedelta(minutes=1)
    return [first + timedelta(seconds=gap * n) for n in range(count)]


FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")
"""Debian's faketime (apt-get install faketime): a process whose wall clock starts when the
test says and runs at the normal pace (the monotonic clock is left alone, so waits last
what they should)."""
needs_faketime = pytest.mark.skipif(not FAKETIME.exists(),
                                    reason="needs Debian's faketime (apt-get install faketime)")


def fake_clock(starting: datetime) -> dict[str, str]:
    return {"LD_PRELOAD": str(FAKETIME), "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC",
            "FAKETIME": f"@{starting.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"}


class Scheduler:
    """A `newsletter scheduler` process whose log (stderr) goes to a file; with `clock`,
    its wall clock starts then."""

    def __init__(self, config: Path, name: str = "scheduler", clock: datetime | None = None,
                 host: str | None = None):
        self.log_path = config.parent / f"{name}.log"
        command = [NEWSLETTER, "scheduler", "--config", str(config)]
        if host:  # a host name of its own (a UTS namespace), as on another machine
            command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$0" "$@"',
                       *command]
        self.process = subprocess.Popen(
            command,
            env=clean_env({**ENV, **(fake_clock(clock) if clock else {})}),
            stdout=subprocess.DEVNULL, stderr=self.log_path.open("w"), text=True)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for(self, words: str, timeout: float = 30) -> None:
        wait_until(lambda: words in self.log or self.process.poll() is not None, timeout)
        assert words in self.log, self.log

    def stop(self, signum=signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)


def subscribers_counts(smtp) -> list[int]:
    """How many messages each subscriber got (staff's notices aside)."""
    return [n for who, n in smtp.count_by_recipient().items() if who != STAFF]


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(timezone.utc)).total_seconds()))


def locks(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(db.locks.c.name)).scalars().all()


def holders(store) -> list[str]:
    """Who holds each lock: `pid@` of its holder."""
    with store.engine.connect() as conn:
        return [holder.split("@")[0] + "@"
                for holder in conn.execute(select(db.locks.c.holder)).scalars()]


def left_lock(store, *, heartbeat_at: datetime | None = None, **identity) -> None:
    """A scheduler lock as another holder left it; this process's identity unless told."""
    me = ProcessIdentity.of_this_process()
    values = {**dict(pid=me.pid, host=socket.gethostname(), boot_id=me.boot_id,
                     pid_namespace=me.pid_namespace, process_start=me.start), **identity}
    with store.engine.begin() as conn:
        conn.execute(insert(db.locks).values(
            name="scheduler", holder=f"{values['pid']}@{values['host']}#another", purpose=
            "a scheduler", acquired_at=now(), heartbeat_at=heartbeat_at or now(), **values))


def test_on_time_then_killed_mid_send_the_restart_finishes_it_and_nobody_gets_two(
        tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp, subscribers=150, rate=100)
    (slot,) = slots_ahead(LEAD)
    schedule_at(tmp_path, slot)
    first = Scheduler(config, "first")
    first.wait_for("scheduler started")
    wait_until(lambda: len(smtp.messages) >= 30)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    (run,) = RunLog(store.engine).runs("soon")
    assert slot <= run.started_at < slot + timedelta(seconds=2), "on time, to the second"
    assert (run.slot, run.slot_key) == (slot, f"{slot.astimezone(CHICAGO):%Y-%m-%dT%H:%M:%S}")
    assert len(smtp.messages) < 150 and store.issues.open().status == "sending"

    second = Scheduler(config, "second")
    second.wait_for("the send of issue")
    second.wait_for("soon: sent", timeout=60)  # logged once the run's outcome is recorded
    counts = smtp.count_by_recipient()
    assert set(counts) == {email for email, _ in numbered(150)}
    assert sum(counts.values()) - 150 <= 1, "at most the message in flight at the kill"
    assert [r.outcome for r in RunLog(store.engine).runs("soon")] == ["sent", "interrupted"]
    assert second.stop() == 0
    assert "Traceback" not in first.log + second.log


def test_slots_missed_inside_the_grace_time_run_once_coalesced(tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp, grace=120)
    slots = slots_ahead(LEAD, count=2)
    schedule_at(tmp_path, *slots)
    down = Scheduler(config, "down")
    down.wait_for("scheduler started")
    assert down.stop() == 0
    assert RunLog(store.engine).runs() == [], "stopped before its first slot"
    sleep_until(slots[-1] + timedelta(seconds=1))
    up = Scheduler(config, "up")
    up.wait_for("soon: sent")
    time.sleep(1)  # room for a second run, were the two slots not coalesced
    assert [r.outcome for r in RunLog(store.engine).runs("soon")] == ["sent"]
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]
    assert up.stop() == 0


def test_a_slot_missed_beyond_the_grace_time_holds_the_issue_and_sends_nothing(
        tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp, grace=1)
    (slot,) = slots_ahead(LEAD)
    schedule_at(tmp_path, slot)
    down = Scheduler(config, "down")
    down.wait_for("scheduler started")
    assert down.stop() == 0
    sleep_until(slot + timedelta(seconds=2))
    up = Scheduler(config, "up")
    up.wait_for("soon: missed")
    (run,) = RunLog(store.engine).runs("soon")
    assert (run.outcome, run.slot) == ("missed", slot)
    issue = store.issues.open()
    assert issue.status == "held"
    assert issue.held_reason.startswith(f"missed its {slot.astimezone(CHICAGO):%A %H:%M} slot "
                                        "by ")
    assert [m.recipients for m in smtp.messages] == [[STAFF]], "staff told, nobody mailed"
    assert up.stop() == 0


def test_a_second_scheduler_stands_by_until_the_first_stops_and_sigterm_releases_the_lock(
        tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp)
    schedule_at(tmp_path, *slots_ahead(1800))
    first = Scheduler(config, "first")
    first.wait_for("scheduler started")
    second = Scheduler(config, "second")
    second.wait_for(f"standby: a scheduler is already running (process {first.process.pid} on ")
    assert second.process.poll() is None and "scheduler started" not in second.log
    assert holders(store) == [f"{first.process.pid}@"]
    assert first.stop(signal.SIGTERM) == 0
    assert "SIGTERM: stopping" in first.log and "scheduler stopped" in first.log
    second.wait_for("scheduler started")
    assert "taking over" in second.log and holders(store) == [f"{second.process.pid}@"]
    third = Scheduler(config, "third")
    third.wait_for("standby: ")
    assert third.stop(signal.SIGTERM) == 0, "a standby stops at once, cleanly"
    assert second.stop(signal.SIGINT) == 0 and locks(store) == []
    assert "Traceback" not in first.log + second.log + third.log


def test_two_schedulers_the_first_killed_mid_send_the_standby_takes_over_and_sends_once(
        tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp, subscribers=150, rate=100)
    (slot,) = slots_ahead(LEAD + 3)
    schedule_at(tmp_path, slot)
    first = Scheduler(config, "first")
    first.wait_for("scheduler started")
    standby = Scheduler(config, "standby")
    standby.wait_for("standby: ")
    wait_until(lambda: len(smtp.messages) >= 30)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    standby.wait_for("taking over", timeout=60)
    standby.wait_for("soon: sent", timeout=60)
    counts = smtp.count_by_recipient()
    assert set(counts) == {email for email, _ in numbered(150)}
    assert sum(counts.values()) - 150 <= 1, "at most the message in flight at the kill"
    assert [r.outcome for r in RunLog(store.engine).runs("soon")] == ["sent", "interrupted"]
    assert standby.stop() == 0 and "Traceback" not in first.log + standby.log


def can_name_another_host() -> bool:
    try:
        return subprocess.run(["unshare", "--uts", "hostname", "probe-host"],
                              capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not can_name_another_host(), reason="needs unshare --uts (root, or "
                    "user namespaces) to give a process another host name")
def test_two_schedulers_on_two_hosts_one_runs_and_the_other_takes_over_when_it_dies(
        tmp_path, smtp):
    """Two live processes with two host names, as two machines sharing one database: the
    standby cannot look into the other host's processes, so it waits for the lock's
    heartbeat to fall silent (45 s) after a SIGKILL, then runs the slot, once."""
    config, _, store = clinic(tmp_path, smtp)
    (slot,) = slots_ahead(75)
    schedule_at(tmp_path, slot)
    first = Scheduler(config, "first", host="front-desk-2")
    first.wait_for("scheduler started")
    standby = Scheduler(config, "standby")
    standby.wait_for(f"standby: a scheduler is already running (process {first.process.pid}"
                     " on front-desk-2")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    standby.wait_for("taking over", timeout=75)  # 45 s of silence and one poll: a minute
    standby.wait_for("soon: sent", timeout=75)
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]
    assert [r.outcome for r in RunLog(store.engine).runs("soon")] == ["sent"]
    assert standby.stop() == 0 and "Traceback" not in first.log + standby.log


def test_a_scheduler_on_another_host_that_falls_silent_is_taken_over_within_a_minute(
        tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp)
    silent_since = now() - timedelta(seconds=30)
    left_lock(store, host="scheduler-on-another-host", pid=1, heartbeat_at=silent_since)
    (slot,) = slots_ahead(45)
    schedule_at(tmp_path, slot)
    standby = Scheduler(config, "standby")
    standby.wait_for("standby: a scheduler is already running (process 1 on "
                     "scheduler-on-another-host")
    standby.wait_for("taking over", timeout=75)  # 45 s of silence and one poll: a minute
    standby.wait_for("soon: sent", timeout=60)
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]
    assert standby.stop() == 0


def test_a_lock_left_by_a_dead_process_with_a_live_id_does_not_hold_a_scheduler_back(
        tmp_path, smtp):
    """A container's PID 1 killed and started again, or an id reused after a reboot: here
    the id is this test's own (alive), the start time another one."""
    config, _, store = clinic(tmp_path, smtp)
    schedule_at(tmp_path, *slots_ahead(1800))
    me = ProcessIdentity.of_this_process()
    left_lock(store, pid=me.pid, process_start=me.start - 500)
    restarted = Scheduler(config, "restarted")
    restarted.wait_for("scheduler started")
    assert "standby" not in restarted.log
    assert holders(store) == [f"{restarted.process.pid}@"]
    assert restarted.stop() == 0


def test_a_lock_held_by_a_live_process_keeps_a_scheduler_waiting(tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp)
    schedule_at(tmp_path, *slots_ahead(1800))
    left_lock(store, pid=os.getpid())  # this test, alive, as it started
    waiting = Scheduler(config, "waiting")
    waiting.wait_for(f"standby: a scheduler is already running (process {os.getpid()} on ")
    with store.engine.begin() as conn:  # the holder lets go
        conn.execute(delete(db.locks))
    waiting.wait_for("scheduler started")
    assert waiting.stop() == 0


def test_a_database_locked_across_a_slot_fails_that_run_tells_staff_and_the_next_runs(
        tmp_path, smtp, each_database):
    """Another process holds the SQLite file locked (BEGIN EXCLUSIVE) from just before a
    slot to past the 10 s busy timeout: APScheduler's write of the next run time and the
    run's own first write both time out. The scheduler lives on."""
    if each_database.kind != "sqlite":
        pytest.skip("a SQLite file lock and its busy timeout; PostgreSQL makes a writer wait "
                    "for a lock instead of failing, so this fault is SQLite's own")
    config, _, store = clinic(tmp_path, smtp)
    slots = slots_ahead(LEAD + 3, count=2, gap=30)
    schedule_at(tmp_path, *slots)
    running = Scheduler(config)
    running.wait_for("scheduler started")
    sleep_until(slots[0] - timedelta(seconds=2))
    other = sqlite3.connect(store.engine.url.database, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:  # held until the run has met it, however late a loaded machine starts the run
        running.wait_for("soon: failed: the database was unavailable", timeout=60)
    finally:
        other.execute("ROLLBACK")
    other.close()
    running.wait_for("soon: sent", timeout=60)  # the next slot
    assert running.process.poll() is None, "alive"
    sent, failed = RunLog(store.engine).runs("soon")
    assert (failed.outcome, failed.slot, sent.outcome, sent.slot) == (
        "failed", slots[0], "sent", slots[1])
    assert failed.note == "the database was unavailable: database is locked; nothing was sent"
    (notice,) = [m for m in smtp.messages if m.recipients == [STAFF]]
    assert b"Subject: Newsletter: the soon schedule could not run" in notice.data
    assert subscribers_counts(smtp) == [1, 1, 1]
    assert running.stop() == 0 and "Traceback" not in running.log


def test_a_slot_that_comes_while_the_previous_run_is_still_going_is_recorded_and_told(
        tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp, subscribers=60, rate=15)  # four seconds
    slots = slots_ahead(LEAD, count=2, gap=2)
    schedule_at(tmp_path, *slots)
    running = Scheduler(config)
    running.wait_for("soon: sent", timeout=60)
    skipped, sent = RunLog(store.engine).runs("soon")
    assert (sent.outcome, sent.slot, skipped.outcome, skipped.slot) == (
        "sent", slots[0], "skipped", slots[1])
    assert skipped.note.startswith("the previous run was still going, running since ")
    (notice,) = [m for m in smtp.messages if m.recipients == [STAFF]]
    assert b"skipped its" in notice.data
    assert subscribers_counts(smtp) == [1] * 60
    assert running.stop() == 0 and "Traceback" not in running.log


@needs_faketime
def test_the_fall_back_night_under_a_fake_clock_sends_half_past_one_once(tmp_path, smtp):
    """Real scheduler processes whose clocks start just before 01:30 CDT and just before
    01:30 CST on 2026-11-01 (APScheduler fires at both), with an article published in
    between; then the next night."""
    config, _, store = clinic(tmp_path, smtp)
    (tmp_path / "feed.xml").write_bytes(rss([item(1, 20, "Oct"), item(2, 21, "Oct")]))
    (tmp_path / "schedules" / "nightly.toml").write_text(
        'action = "send"\ncron = { hour = 1, minute = 30 }\ntimezone = "America/Chicago"\n')
    before = timedelta(seconds=12)  # time enough to start on a busy machine

    def night(slot_utc: datetime, name: str, words: str) -> None:
        running = Scheduler(config, name, clock=slot_utc - before)
        running.wait_for(words, timeout=60)
        assert running.stop() == 0 and "Traceback" not in running.log

    night(datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc), "cdt", "nightly: sent")
    (tmp_path / "feed.xml").write_bytes(rss([item(1, 20, "Oct"), item(2, 21, "Oct"),
                                             item(3, 31, "Oct")]))
    night(datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc), "cst",
          "nightly: its Sun 2026-11-01 01:30 CST slot has run already; not running it again")
    (run,) = RunLog(store.engine).runs("nightly")
    assert (run.outcome, run.slot_key) == ("sent", "2026-11-01T01:30:00")
    assert run.slot == datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)
    assert subscribers_counts(smtp) == [1, 1, 1], "one issue that night, not two"
    night(datetime(2026, 11, 2, 7, 30, tzinfo=timezone.utc), "next", "nightly: sent")
    assert [r.slot_key for r in RunLog(store.engine).runs("nightly")] == [
        "2026-11-02T01:30:00", "2026-11-01T01:30:00"]
    assert subscribers_counts(smtp) == [2, 2, 2]
    assert store.issues.last_sent().articles[0].title == "Article number 3"


@needs_faketime
def test_the_spring_forward_night_lists_half_past_two_as_half_past_three(tmp_path, smtp):
    config, _, _ = clinic(tmp_path, smtp)
    (tmp_path / "schedules" / "nightly.toml").write_text(
        'action = "send"\ncron = { hour = 2, minute = 30 }\ntimezone = "America/Chicago"\n')
    listed = subprocess.run(
        [NEWSLETTER, "schedules", "list", "--config", str(config), "--count", "2"],
        env=clean_env({**ENV, **fake_clock(datetime(2026, 3, 7, 18, tzinfo=timezone.utc))}),
        capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert [line.strip() for line in listed.stdout.splitlines() if "next:" in line] == [
        "next: Sun 2026-03-08 03:30 CDT  (2026-03-08 08:30 UTC)",
        "next: Mon 2026-03-09 02:30 CDT  (2026-03-09 07:30 UTC)"]


def test_sighup_applies_edited_schedules_and_a_bad_edit_changes_nothing(tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp)
    schedule_at(tmp_path, *slots_ahead(1800))
    running = Scheduler(config)
    running.wait_for("scheduler started")
    (tmp_path / "schedules" / "soon.toml").write_text('action = "send"\ncron = "soon"\n')
    running.process.send_signal(signal.SIGHUP)
    running.wait_for("schedules not reloaded, the old ones still apply: ")
    assert "soon.toml" in running.log and smtp.messages == []
    (slot,) = slots_ahead(5)  # time enough to reload on a busy machine
    schedule_at(tmp_path, slot)
    running.process.send_signal(signal.SIGHUP)
    running.wait_for("schedules reloaded: 1 schedule(s)")
    running.wait_for("soon: sent", timeout=30)
    (run,) = RunLog(store.engine).runs("soon")
    assert slot <= run.started_at < slot + timedelta(seconds=2), "the edited time, not the old"
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]
    assert running.stop() == 0 and "Traceback" not in running.log


def test_restarts_keep_a_missed_slot_drop_removed_schedules_and_follow_edits(tmp_path, smtp):
    """In-process on the real job store: what a restart does to the stored jobs."""
    _, settings, store = clinic(tmp_path, smtp)
    folder = tmp_path / "schedules"
    (slot,) = slots_ahead(3)  # past before the first start on a busy machine, it would fail
    schedule_at(tmp_path, slot, key="weekly")
    (folder / "daily.toml").write_text('action = "send"\ncron = { hour = 7, minute = 0 }\n')

    def restart(*, start: bool) -> tuple[dict, set]:
        """The jobs as the scheduler would run them, and the ids the store holds."""
        jobstore = SQLAlchemyJobStore(engine=store.engine, tablename=JOB_TABLE)
        scheduler = BackgroundScheduler(jobstores={"default": jobstore}, timezone=CHICAGO)
        _sync_jobs(scheduler, jobstore, load_schedules(
            folder, default_timezone="America/Chicago", base_dir=tmp_path), job_args(settings))
        if start:  # paused: nothing runs
            scheduler.start(paused=True)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        if start:
            scheduler.shutdown()
        return jobs, {job.id for job in jobstore.get_all_jobs()}

    first, stored = restart(start=True)
    assert set(first) == stored == {"schedule:weekly", "schedule:daily"}
    weekly = first["schedule:weekly"]
    assert (weekly.func_ref, weekly.args) == ("newsletter.schedule.jobs:run_schedule",
                                              ("weekly", *job_args(settings)))
    assert (weekly.coalesce, weekly.max_instances, weekly.next_run_time) == (True, 1, slot)
    sleep_until(slot + timedelta(seconds=0.5))  # the scheduler is down at its slot
    (folder / "daily.toml").unlink()
    kept, stored = restart(start=False)  # started, it would run the missed slot at once
    assert stored == {"schedule:weekly"}, "a removed schedule leaves the job store"
    assert kept["schedule:weekly"].next_run_time == slot, "the missed slot still counts"
    later = slot + timedelta(minutes=2)
    schedule_at(tmp_path, later, key="weekly")
    edited, _ = restart(start=True)
    assert edited["schedule:weekly"].next_run_time == later, "an edited schedule starts afresh"


def test_a_scheduler_whose_lock_was_taken_over_stops(tmp_path, smtp):
    _, _, store = clinic(tmp_path, smtp)
    lock = Lock(store.engine, "scheduler", purpose="a scheduler", clock=now)
    lock.acquire()
    lost = []
    heartbeat = Heartbeat(lock, every=0.05, on_lost=lambda: lost.append(True))
    heartbeat.start()
    time.sleep(0.2)
    assert not heartbeat.lost, "beats while the lock is ours"
    with store.engine.begin() as conn:  # another process took it over
        conn.execute(update(db.locks).values(holder="4242@elsewhere#beef"))
    wait_until(lambda: lost, timeout=5)
    assert heartbeat.lost
    heartbeat.join(timeout=5)


def test_the_shipped_unit_restarts_a_crashed_scheduler_and_never_gives_up():
    """A scheduler never exits for a lock any more (it stands by); whatever else stops it
    (a crash, a kill, a lock lost) is restarted, however often."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "deploy" / "newsletter-scheduler.service")
    assert unit["Service"]["Restart"] == "on-failure"
    assert "RestartPreventExitStatus" not in unit["Service"]
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
