"""A posting run killed with SIGKILL after the platform accepted a post and before the
ledger recorded it: the next run finds that post and makes no second one. The run is the
`action = "post"` schedule's job in a real subprocess; the fake platform holds its answer
after storing the post, which is when the process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from newsletter.storage.posts import Posts
from newsletter.storage.run_log import RunLog

from ...helpers import clean_env
from ...platforms import FakeBluesky
from ...posting_setup import make_posting_clinic

RUN = ("import sys\nfrom newsletter.schedule.jobs import run_schedule\n"
       "print(run_schedule('post', sys.argv[1], sys.argv[2]))")
SCHEDULE = """# Posts the issue sent on Monday at 10:00.
action = "post"
cron = { day_of_week = "mon", hour = 10, minute = 0 }
"""


def run_job(clinic) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, str(clinic.config),
                             str(clinic.config.parent)], env=clean_env(clinic.env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "facebook"])
def test_a_run_killed_between_accepted_and_recorded_posts_exactly_once(tmp_path, fakes,
                                                                       platform):
    clinic = make_posting_clinic(tmp_path, fakes, sent=True)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "post.toml").write_text(SCHEDULE)
    held = getattr(fakes, platform)
    held.hold_after_accepting()

    process = run_job(clinic)
    try:
        assert held.accepted.wait(60), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    finally:
        held.release()
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    [accepted] = held.posts
    ledger = Posts(clinic.store.engine)
    first = clinic.issue.articles[0].id
    assert ledger.find(first, platform).status == "posting"  # accepted, never recorded

    resumed = run_job(clinic)
    out, err = resumed.communicate(timeout=120)
    assert out.strip() == "posted", err
    for name in ("mastodon", "bluesky", "facebook"):
        posts = getattr(fakes, name).posts
        assert len(posts) == len(clinic.issue.articles), (name, posts)
        assert {ledger.find(a.id, name).status for a in clinic.issue.articles} == {"posted"}
    record = ledger.find(first, platform)
    assert record.post_id == {"mastodon": accepted.get("id"), "facebook": accepted.get("id"),
                              "bluesky": f"at://{FakeBluesky.DID}/app.bsky.feed.post/"
                                         f"{accepted.get('rkey')}"}[platform]
    runs = RunLog(clinic.store.engine)
    assert "1 found" in runs.runs("post", limit=1)[0].note


def test_a_scheduler_killed_while_posting_resumes_at_its_restart_and_posts_once(tmp_path,
                                                                                fakes):
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from ...helpers import NEWSLETTER, wait_until

    clinic = make_posting_clinic(tmp_path, fakes, sent=True)
    slot = (datetime.now(timezone.utc) + timedelta(seconds=10)).astimezone(
        ZoneInfo("America/Chicago"))
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "post.toml").write_text(
        f'action = "post"\ncron = {{ hour = {slot.hour}, minute = {slot.minute}, '
        f'second = {slot.second} }}\n')
    fakes.bluesky.hold_after_accepting()

    def scheduler(name: str) -> tuple[subprocess.Popen, object]:
        log = tmp_path / f"{name}.log"
        return subprocess.Popen([NEWSLETTER, "scheduler", "--config", str(clinic.config)],
                                env=clean_env(clinic.env), stdout=subprocess.DEVNULL,
                                stderr=log.open("w")), log

    first, _ = scheduler("first")
    try:
        assert fakes.bluesky.accepted.wait(90)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        fakes.bluesky.release()
        if first.poll() is None:
            first.kill()
    second, log = scheduler("second")
    try:
        wait_until(lambda: "post: posted" in log.read_text() or second.poll() is not None, 90)
        assert "posting was interrupted" in log.read_text(), log.read_text()
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    for name in ("mastodon", "bluesky", "facebook"):
        assert len(getattr(fakes, name).posts) == len(clinic.issue.articles), name
    outcomes = [run.outcome for run in RunLog(clinic.store.engine).runs("post")]
    assert outcomes == ["posted", "interrupted"]
