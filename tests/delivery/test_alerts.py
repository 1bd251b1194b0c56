"""Feed health: staff hear once when the feed keeps failing and once when it works again,
never on every run in between; through a real SMTP server."""

import email
import email.policy
import subprocess
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from newsletter.feed.health import decide
from newsletter.schedule.jobs import run_schedule
from newsletter.storage.run_log import RunLog
from newsletter.common.model import FeedAlert, FeedRecord

from ..helpers import NEWSLETTER, clean_env, item, rss
from ..sending_setup import ENV, add_subscribers, make_clinic, numbered, open_clinic

pytestmark = pytest.mark.usefixtures("each_database")

CHICAGO = ZoneInfo("America/Chicago")
T = datetime(2026, 11, 30, 15, tzinfo=timezone.utc)
STAFF = "frontdesk@clinic.example"


def feed(failures: int, *, retired: bool = False, last_ok: datetime | None = T) -> FeedRecord:
    return FeedRecord(source="feed.xml", url="https://clinic.example/feed.xml", etag=None,
                      last_modified=None, retired_at=T if retired else None,
                      retired_reason="410 Gone" if retired else None,
                      consecutive_failures=failures,
                      last_error="connection refused" if failures else None, last_ok_at=last_ok)


ALERTED = FeedAlert("feed.xml", T, 3, "connection refused")


def test_the_alert_comes_at_the_threshold_once_and_recovery_once():
    assert decide(feed(2), None, threshold=3, zone=CHICAGO) is None
    alert = decide(feed(3), None, threshold=3, zone=CHICAGO)
    assert alert.kind == "alert" and alert.failures == 3
    assert alert.notice.subject == "Newsletter: the blog feed failed 3 times in a row"
    for words in ("https://clinic.example/feed.xml", "Failures in a row: 3",
                  "Last error: connection refused", "Monday 2026-11-30 09:00 CST"):
        assert words in alert.notice.body
    assert decide(feed(7), ALERTED, threshold=3, zone=CHICAGO) is None, "not every run"
    recovered = decide(feed(0), ALERTED, threshold=3, zone=CHICAGO)
    assert recovered.kind == "recovered"
    assert "works again" in recovered.notice.subject
    assert "after 3 failure(s) in a row (connection refused)" in recovered.notice.body
    assert decide(feed(0), None, threshold=3, zone=CHICAGO) is None
    assert decide(None, None, threshold=3, zone=CHICAGO) is None


def test_a_feed_that_never_worked_or_is_gone_says_so():
    never = decide(feed(3, last_ok=None), None, threshold=3, zone=CHICAGO)
    assert "never (it has not worked since it was set up)" in never.notice.body
    gone = decide(feed(0, retired=True), None, threshold=3, zone=CHICAGO)
    assert gone.kind == "alert" and gone.notice.subject == "Newsletter: the blog feed is gone"
    assert "feed.source" in gone.notice.body
    assert decide(feed(0, retired=True), ALERTED, threshold=3, zone=CHICAGO) is None


def test_failing_runs_alert_staff_once_and_recovery_is_reported_once(tmp_path, smtp,
                                                                     monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = make_clinic(tmp_path, port=smtp.port, items=[item(1, 20)], extra=f"""
[scheduler]
feed_alert_after_failures = 2
staff_alert_address = "{STAFF}"
""")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.toml").write_text(
        'action = "send"\ncron = { day_of_week = "mon", hour = 9, minute = 0 }\n')
    _, store = open_clinic(config)
    add_subscribers(store, numbered(2))
    feed_file = tmp_path / "feed.xml"
    good = feed_file.read_bytes()
    feed_file.unlink()

    def run() -> tuple[str, list]:
        before = len(smtp.messages)
        outcome = run_schedule("weekly", str(config), str(tmp_path))
        return outcome, [email.message_from_bytes(m.data, policy=email.policy.default)
                         for m in smtp.messages[before:]]

    assert run() == ("failed", [])
    outcome, (alert,) = run()
    assert outcome == "failed" and alert["To"] == STAFF
    assert alert["Subject"] == "Newsletter: the blog feed failed 2 times in a row"
    body = alert.get_content()
    assert "Failures in a row: 2" in body and "cannot read the feed file" in body
    assert alert.get_content_type() == "text/plain" and alert["Auto-Submitted"]
    assert run() == ("failed", []), "no second alert while it keeps failing"
    feed_file.write_bytes(good)
    outcome, messages = run()
    assert outcome == "sent"
    staff = [m for m in messages if m["To"] == STAFF]
    assert [m["Subject"] for m in staff] == ["Newsletter: the blog feed works again"]
    assert len(messages) == 3, "two subscribers and one recovery note"
    feed_file.write_bytes(rss([item(1, 20)]))
    assert run() == ("nothing new", []), "recovery is reported once"
    outcomes = [r.outcome for r in RunLog(store.engine).runs("weekly")]
    assert outcomes == ["nothing new", "sent", "failed", "failed", "failed"]
    assert "cannot read the feed file" in RunLog(store.engine).runs("weekly")[-1].note


def test_without_a_staff_address_the_log_says_it_once(tmp_path, monkeypatch, caplog):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = make_clinic(tmp_path, extra="[scheduler]\nfeed_alert_after_failures = 1\n")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.toml").write_text(
        'action = "send"\ncron = { hour = 9, minute = 0 }\n')
    (tmp_path / "feed.xml").unlink()
    for _ in range(3):
        run_schedule("weekly", str(config), str(tmp_path))
    alerts = [r for r in caplog.records if r.name == "newsletter.alerts"]
    assert [r.getMessage() for r in alerts] == ["Newsletter: the blog feed failed 1 time in a row"]
    assert not (tmp_path / "outbox").exists()


def test_newsletter_send_alerts_too_for_clinics_on_cron(tmp_path):
    config = make_clinic(tmp_path, extra=f"""
[scheduler]
feed_alert_after_failures = 1
staff_alert_address = "{STAFF}"
""")
    (tmp_path / "feed.xml").unlink()
    result = subprocess.run([NEWSLETTER, "send", "--config", str(config)], capture_output=True,
                            text=True, env=clean_env(ENV), timeout=60)
    assert result.returncode == 1 and "cannot read the feed file" in result.stderr
    (alert,) = (tmp_path / "outbox" / "staff").glob("*.eml")
    message = email.message_from_bytes(alert.read_bytes(), policy=email.policy.default)
    assert message["To"] == STAFF and "failed 1 time in a row" in message["Subject"]
