"""`newsletter scheduler` as real processes on a real SQLite file, sending through a real
SMTP server: on time, killed and restarted, stopped across its slots, and two at once.

Schedules here use cron's `second` field to fire a few seconds ahead."""

import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from newsletter.schedule.jobs import job_args
from newsletter.schedule.scheduler import JOB_TABLE, Heartbeat, _sync_jobs
from newsletter.schedule.schedules import load_schedules
from newsletter.storage import db
from newsletter.storage.lock import Lock
from newsletter.storage.run_log import RunLog

from ..helpers import NEWSLETTER, clean_env, wait_until
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


class Scheduler:
    """A `newsletter scheduler` process whose log (stderr) goes to a file."""

    def __init__(self, config: Path, name: str = "scheduler"):
        self.log_path = config.parent / f"{name}.log"
        self.process = subprocess.Popen(
            [NEWSLETTER, "scheduler", "--config", str(config)], env=clean_env(ENV),
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


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(timezone.utc)).total_seconds()))


def locks(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(db.locks.c.name)).scalars().all()


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


def test_a_second_scheduler_refuses_to_start_and_sigterm_releases_the_lock(tmp_path, smtp):
    config, _, store = clinic(tmp_path, smtp)
    schedule_at(tmp_path, *slots_ahead(1800))
    first = Scheduler(config, "first")
    first.wait_for("scheduler started")
    second = subprocess.run([NEWSLETTER, "scheduler", "--config", str(config)],
                            env=clean_env(ENV), capture_output=True, text=True,
                            timeout=30)
    assert second.returncode == 3
    assert second.stderr.startswith(
        f"error: a scheduler is already running (process {first.process.pid} on ")
    assert "Traceback" not in second.stderr and "stop the other one" in second.stderr
    assert locks(store) == ["scheduler"]
    assert first.stop(signal.SIGTERM) == 0
    assert "SIGTERM: stopping" in first.log and "scheduler stopped" in first.log
    assert locks(store) == []
    again = Scheduler(config, "again")
    again.wait_for("scheduler started")
    assert again.stop(signal.SIGINT) == 0 and locks(store) == []


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
    (slot,) = slots_ahead(1)
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
