"""What one scheduled run does, called the way APScheduler calls it: by name, with plain
arguments, against a real database (SQLite and PostgreSQL) and a real SMTP server."""

import email
import email.policy
import json
import logging
import pickle
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from newsletter.common.settings import load_settings
from newsletter.issue.approval import approve
from newsletter.issue.build import build_next_issue
from newsletter.common.clock import utc_now as utcnow
from newsletter.schedule.jobs import duration, handle_missed_run, job_args, run_schedule
from newsletter.schedule.schedules import load_schedules
from newsletter.storage.lock import Lock
from newsletter.storage.run_log import RunLog

from .. import database
from ..helpers import ROOT, item, rss
from ..sending_setup import ENV, add_subscribers, make_clinic, open_clinic
from ..smtpserver import free_port

pytestmark = pytest.mark.usefixtures("each_database")

STAFF = "frontdesk@clinic.example"
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def clinic(tmp_path, smtp, monkeypatch):
    """A clinic with two subscribers (one tagged back-pain), SMTP and a staff address; the
    `schedule(text)` it returns writes schedules/weekly.toml."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = make_clinic(tmp_path, port=smtp.port, items=[item(n, 20 + n) for n in (1, 2, 3)],
                         extra=f'[scheduler]\nstaff_alert_address = "{STAFF}"\n')
    settings, store = open_clinic(config)
    add_subscribers(store, [("ana@mail.example", "Ana")], tags=["back-pain"])
    add_subscribers(store, [("bo@mail.example", "Bo")])
    (tmp_path / "schedules").mkdir()

    def schedule(extra: str = "") -> None:
        (tmp_path / "schedules" / "weekly.toml").write_text(
            'name = "Weekly newsletter"\naction = "send"\n'
            'cron = { day_of_week = "mon", hour = 9, minute = 0 }\n' + extra)

    return settings, store, schedule, job_args(settings)


def delivered(smtp) -> list:
    return [email.message_from_bytes(m.data, policy=email.policy.default)
            for m in smtp.messages]


def test_the_job_and_its_arguments_survive_the_job_stores_pickling(clinic):
    settings, _, _, args = clinic
    assert pickle.loads(pickle.dumps(args)) == args
    assert all(isinstance(arg, str) for arg in args)
    assert load_settings(args[0] or None, cwd=args[1]) == settings


def test_a_run_that_needs_approval_holds_tells_staff_then_sends_once_approved(clinic, smtp):
    _, store, schedule, args = clinic
    schedule("requires_approval = true\n")
    assert run_schedule("weekly", *args) == "held"
    (notice,) = delivered(smtp)
    assert notice["To"] == STAFF and "waits for you" in notice["Subject"]
    assert "newsletter approve" in notice.get_content()
    approve(store, None, by="Dr. Glenn", now=utcnow())
    assert run_schedule("weekly", *args) == "sent"
    assert sorted(m["To"] for m in delivered(smtp)[1:]) == ["Ana <ana@mail.example>",
                                                           "Bo <bo@mail.example>"]
    assert run_schedule("weekly", *args) == "nothing new"
    assert len(smtp.messages) == 3


def test_the_audience_tag_and_the_article_cap_apply(clinic, smtp):
    _, store, schedule, args = clinic
    schedule('audience = "tag:back-pain"\narticles_per_issue = 1\n')
    assert run_schedule("weekly", *args) == "sent"
    assert smtp.count_by_recipient() == {"ana@mail.example": 1}
    sent = store.issues.sent()[0]
    assert [a.id for a in sent.articles] == ["post-3"]
    run = RunLog(store.engine).runs("weekly")[0]
    assert (run.outcome, run.issue_slug, run.note) == (
        "sent", sent.slug, "1 sent, 0 failed, 0 skipped, 0 deferred")


def test_nothing_new_with_an_evergreen_list_sends_the_evergreen_article(clinic, smtp):
    _, store, schedule, args = clinic
    schedule(f'when_nothing_new = "evergreen"\n'
             f'evergreen_file = "{ROOT / "evergreen.example.toml"}"\n')
    run_schedule("weekly", *args)
    assert run_schedule("weekly", *args) == "sent"
    issue = store.issues.sent()[0]
    assert issue.subject.startswith("Desk Posture")


def test_a_social_schedule_writes_the_snippets_of_the_issue(clinic, tmp_path):
    settings, store, _, args = clinic
    (tmp_path / "schedules" / "social.toml").write_text(
        'action = "social"\ncron = { day_of_week = "sun", hour = 18, minute = 0 }\n'
        'folder = "posts"\n')
    assert run_schedule("social", *args) == "nothing new"
    slug = build_next_issue(settings, store, now=utcnow()).issue.slug
    assert run_schedule("social", *args) == "exported"
    document = json.loads((tmp_path / "posts" / slug / "social.json").read_text())
    assert document["issue"] == slug and len(document["articles"]) == 3
    assert (tmp_path / "posts" / slug / "social" / "bluesky.txt").read_text().startswith(
        "Article number 3")


def test_a_missed_slot_holds_the_issue_with_a_message_and_sends_nothing(clinic, smtp):
    _, store, schedule, args = clinic
    schedule()
    slot = utcnow() - timedelta(hours=5, minutes=2)
    assert handle_missed_run("weekly", *args, slot) == "missed"
    issue = store.issues.open()
    assert issue.status == "held"
    local = slot.astimezone(ZoneInfo("America/Chicago"))
    assert issue.held_reason.startswith(f"missed its {local:%A %H:%M} slot by 5 h; check it")
    (notice,) = delivered(smtp)
    assert notice["To"] == STAFF and "was not sent on time" in notice["Subject"]
    assert "60 min grace time" in notice.get_content()
    assert run_schedule("weekly", *args) == "held", "a held issue is never sent unapproved"
    run = RunLog(store.engine).runs("weekly")[1]
    assert (run.outcome, run.slot.replace(microsecond=0)) == ("missed",
                                                             slot.replace(microsecond=0))


def test_a_run_that_meets_another_send_does_nothing_and_says_so(clinic, smtp):
    _, store, schedule, args = clinic
    schedule()
    with Lock(store.engine, "send", purpose="a newsletter send", clock=utcnow):
        assert run_schedule("weekly", *args) == "busy"
    assert smtp.messages == []
    assert "a newsletter send is already running" in RunLog(store.engine).runs()[0].note
    assert run_schedule("weekly", *args) == "sent"


def test_a_schedule_that_went_bad_is_one_log_line(clinic, caplog):
    _, _, schedule, args = clinic
    schedule("colour = 1\n")
    with caplog.at_level(logging.ERROR, logger="newsletter.scheduler"):
        assert run_schedule("weekly", *args) == "failed"
    (record,) = caplog.records
    assert "weekly: cannot run: " in record.getMessage() and "colour" in record.getMessage()
    assert record.exc_info is None


def unopenable(kind: str) -> tuple[str, list[str]]:
    """A database of `kind` that cannot be opened, and what its log line says: a SQLite
    file in a folder that is not there, a PostgreSQL server that is not there."""
    if kind == "sqlite":
        return "sqlite:///no/such/folder/state.db", [
            "weekly: cannot run: cannot create the database", "no/such/folder does not exist"]
    port = free_port()
    return f"postgresql+psycopg://newsletter@127.0.0.1:{port}/newsletter", [
        "weekly: cannot run: cannot open the database "
        f"'postgresql+psycopg://newsletter@127.0.0.1:{port}/newsletter'"]


def test_a_database_that_cannot_be_opened_is_one_log_line(clinic, caplog, tmp_path,
                                                           each_database):
    _, _, schedule, args = clinic
    schedule()
    url, words = unopenable(each_database.kind)
    config = tmp_path / "newsletter.toml"
    config.write_text(config.read_text().replace(database.config_url(), url))
    with caplog.at_level(logging.ERROR, logger="newsletter.scheduler"):
        assert run_schedule("weekly", *args) == "failed"
    (record,) = caplog.records
    for word in words:
        assert word in record.getMessage()
    assert "\n" not in record.getMessage() and record.exc_info is None


@pytest.mark.parametrize("seconds, words", [(5, "5 s"), (720, "12 min"), (5 * 3600, "5 h"),
                                            (3 * 86400, "3 days")])
def test_lateness_reads_at_a_glance(seconds, words):
    assert duration(timedelta(seconds=seconds)) == words


def test_a_scheduled_send_to_an_outbox_that_does_not_deliver_is_a_rehearsal(tmp_path,
                                                                           monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = make_clinic(tmp_path, outbox_delivers=False)
    settings, store = open_clinic(config)
    add_subscribers(store, [("ana@mail.example", "Ana")])
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.toml").write_text(
        'action = "send"\ncron = { day_of_week = "mon", hour = 9, minute = 0 }\n')
    args = job_args(settings)
    assert run_schedule("weekly", *args) == "rehearsed"
    assert run_schedule("weekly", *args) == "rehearsed"  # nothing was used up
    assert store.issues.open() is not None and store.issues.last_sent() is None
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 1


def test_the_fall_back_night_sends_once_though_half_past_one_comes_twice(clinic, smtp,
                                                                        tmp_path):
    """APScheduler fires a 01:30 schedule at 01:30 CDT and again at 01:30 CST on
    2026-11-01; with an article published in between, the second firing would mail a
    second issue within the hour. A slot runs once on the schedule's wall clock."""
    _, store, _, args = clinic
    (tmp_path / "schedules" / "nightly.toml").write_text(
        'action = "send"\ncron = { hour = 1, minute = 30 }\n')
    trigger = load_schedules(tmp_path / "schedules", default_timezone="America/Chicago",
                             base_dir=tmp_path)[0].trigger()
    first = trigger.get_next_fire_time(None, datetime(2026, 11, 1, tzinfo=CHICAGO))
    second = trigger.get_next_fire_time(first, first)
    tomorrow = trigger.get_next_fire_time(second, second)
    assert [t.astimezone(timezone.utc).hour for t in (first, second)] == [6, 7], \
        "the premise: APScheduler fires twice in the repeated hour"
    assert run_schedule("nightly", *args, first.isoformat()) == "sent"
    (tmp_path / "feed.xml").write_bytes(rss([item(n, 20 + n) for n in (1, 2, 3, 4)]))
    assert run_schedule("nightly", *args, second.isoformat()) == "already ran"
    assert len(smtp.messages) == 2, "one issue to Ana and Bo, not two"
    (run,) = RunLog(store.engine).runs("nightly")
    assert (run.outcome, run.slot_key) == ("sent", "2026-11-01T01:30:00")
    assert run.slot == first.astimezone(timezone.utc)  # == across zones fails in a fold
    assert run_schedule("nightly", *args, tomorrow.isoformat()) == "sent"
    assert len(smtp.messages) == 4 and store.issues.last_sent().articles[0].title == \
        "Article number 4"


def test_the_spring_forward_night_runs_its_missing_half_past_two_once_at_half_past_three(
        clinic, smtp, tmp_path):
    _, store, _, args = clinic
    (tmp_path / "schedules" / "nightly.toml").write_text(
        'action = "send"\ncron = { hour = 2, minute = 30 }\n')
    trigger = load_schedules(tmp_path / "schedules", default_timezone="America/Chicago",
                             base_dir=tmp_path)[0].trigger()
    slot = trigger.get_next_fire_time(None, datetime(2026, 3, 8, tzinfo=CHICAGO))
    assert run_schedule("nightly", *args, slot.isoformat()) == "sent"
    assert run_schedule("nightly", *args, slot.isoformat()) == "already ran"
    (run,) = RunLog(store.engine).runs("nightly")
    assert run.slot_key == "2026-03-08T03:30:00"
    assert run.slot == datetime(2026, 3, 8, 8, 30, tzinfo=timezone.utc)
