"""Faults a hostile run found (issue 12): a mailbox that is always full, a block of dead
addresses, a sender that lost its lock, a crash mid-send. Real SMTP server, on SQLite and
PostgreSQL."""

import signal
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from newsletter.audience.subscribers import Subscribers
from newsletter.delivery.sending import SendPaused
from newsletter.storage import db
from newsletter.storage.lock import Lock, LockLost

from ..helpers import NEWSLETTER, clean_env, item, rss, wait_until
from ..sending_setup import (ENV, add_subscribers, make_clinic, now, numbered, open_clinic,
                            send)

pytestmark = pytest.mark.usefixtures("each_database")


def send_runs(store):
    with store.engine.connect() as conn:
        return conn.execute(select(db.send_runs).order_by(db.send_runs.c.id)).all()


# --- a crash mid-send ---------------------------------------------------------------------

def fail_deliveries_after(store, rows: int, message: str) -> None:
    """A fault of the database itself: a trigger refuses every delivery row after `rows`,
    in each database's own trigger language."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER failing_disk BEFORE INSERT ON deliveries "
                f"WHEN (SELECT count(*) FROM deliveries) >= {rows} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION failing_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF (SELECT count(*) FROM deliveries) >= {rows} THEN "
                f"RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END $$")
            conn.exec_driver_sql("CREATE TRIGGER failing_disk BEFORE INSERT ON deliveries "
                                 "FOR EACH ROW EXECUTE FUNCTION failing_disk()")


def test_an_unexpected_error_mid_send_marks_its_run_failed_with_the_reason(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(5))
    fail_deliveries_after(store, 2, "disk I/O went away")
    with pytest.raises(SQLAlchemyError, match="disk I/O went away") as raised:
        send(settings, store)
    (run,) = send_runs(store)
    assert run.outcome == "failed"
    assert run.finished_at is not None and run.sent == 2
    # the error's kind (IntegrityError on SQLite, InternalError on PostgreSQL) and its text
    assert run.note.startswith(f"{type(raised.value).__name__}: ")
    assert "disk I/O went away" in run.note and "\n" not in run.note


# --- a mailbox that is always full --------------------------------------------------------

def test_a_mailbox_full_on_every_try_is_given_up_after_the_attempts_and_the_issue_completes(
        tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, retries=1,
                                              extra="give_up_after_attempts = 3"))
    add_subscribers(store, numbered(4))
    smtp.faults.full.add("reader00003@mail.example")
    for _ in range(2):
        report = send(settings, store)
        assert (report.outcome, report.deferred, report.failed) == ("incomplete", 1, 0)
    last = send(settings, store)
    assert (last.outcome, last.sent, last.deferred, last.failed) == ("complete", 0, 0, 1)
    (why,) = [reason for address, reason in last.failures
              if address == "reader00003@mail.example"]
    assert why.startswith("gave up after 3 attempt(s) since ")
    assert why.endswith(": 452 4.2.2 mailbox full")
    run = send_runs(store)[-1]
    assert (run.outcome, run.failed) == ("complete", 1)
    assert "reader00003@mail.example" in run.note and "452 4.2.2 mailbox full" in run.note
    assert store.issues.open() is None and len(store.issues.sent()) == 1
    # the next article goes out: nothing is held back by that one mailbox
    (tmp_path / "feed.xml").write_bytes(rss([item(1, 20), item(2, 21), item(3, 22)]))
    smtp.faults.full.clear()
    assert send(settings, store).outcome == "complete"
    assert smtp.count_by_recipient() == {"reader00001@mail.example": 2,
                                         "reader00002@mail.example": 2,
                                         "reader00003@mail.example": 1,
                                         "reader00004@mail.example": 2}


def test_an_address_deferred_longer_than_the_days_allowed_is_given_up_at_its_next_try(
        tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, retries=0,
                                              extra="give_up_after_days = 3"))
    add_subscribers(store, numbered(2))
    smtp.faults.full.add("reader00002@mail.example")
    assert send(settings, store).outcome == "incomplete"
    assert send(settings, store, clock=lambda: now() + timedelta(days=2)).deferred == 1
    late = send(settings, store, clock=lambda: now() + timedelta(days=3, minutes=1))
    assert (late.outcome, late.failed) == ("complete", 1)
    assert late.failures[0][1].startswith("gave up after 3 attempt(s)")


def test_staff_see_on_the_sends_page_who_was_given_up_on_and_why(tmp_path, smtp):
    from ..web_setup import add_person, make_site

    site = make_site(tmp_path, smtp_port=smtp.port)
    add_person(site, "ana@mail.example")
    add_person(site, "full@mail.example")
    smtp.faults.full.add("full@mail.example")
    assert send(site.settings, site.store, clock=site.clock).deferred == 1
    site.clock.advance(days=4)
    assert send(site.settings, site.store, clock=site.clock).outcome == "complete"
    page = site.client.get("/staff/sends").text
    assert "1 address(es) deferred too long are now failed: full@mail.example (gave up " \
           "after 2 attempt(s) since 2026-11-25 15:00 UTC: 452 4.2.2 mailbox full)" in page


def test_the_give_up_limits_are_checked_and_named_in_the_config(tmp_path):
    from newsletter.common.errors import ConfigError
    from newsletter.common.settings import load_settings

    config = make_clinic(tmp_path, port=2525, extra="give_up_after_attempts = 0")
    with pytest.raises(ConfigError, match=r"newsletter\.toml: smtp\.give_up_after_attempts "
                                          r"must be between 1 and 100, not 0"):
        load_settings(config)
    assert load_settings(None).smtp.give_up_after_attempts == 5
    assert load_settings(None).smtp.give_up_after_days == 3


# --- a block of dead addresses --------------------------------------------------------------

def statuses(store, emails):
    subscribers = Subscribers(store.engine)
    return {subscribers.by_email(address).status for address in emails}


def test_ten_dead_addresses_in_a_row_are_marked_bounced_and_do_not_pause_the_send(
        tmp_path, smtp):
    """One connection, so the block comes after the server has taken readers 1 and 2: on
    several, the dead addresses could be answered first, and a server that has taken nothing
    yet is rightly not believed (the test below)."""
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, pause_after=10,
                                              extra="connections = 1"))
    add_subscribers(store, numbered(20))
    dead = [f"reader{n:05d}@mail.example" for n in range(3, 13)]
    smtp.faults.permanent.update(dead)
    report = send(settings, store)
    assert (report.outcome, report.sent, report.failed) == ("complete", 10, 10)
    assert statuses(store, dead) == {"bounced"}
    (tmp_path / "feed.xml").write_bytes(rss([item(1, 20), item(2, 21), item(3, 22)]))
    assert send(settings, store).outcome == "complete"  # the block is not tried again
    assert not set(smtp.count_by_recipient()) & set(dead)


def test_hard_bounces_are_recorded_even_when_the_run_pauses_for_another_reason(tmp_path, smtp):
    """One connection, so the order is the list's: readers 6 to 8 refused in a row. On
    several, a success could land between two refusals and the run rightly goes on."""
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, pause_after=3,
                                              extra="connections = 1"))
    add_subscribers(store, numbered(10))
    dead = [f"reader{n:05d}@mail.example" for n in (3, 4, 5)]
    smtp.faults.permanent.update(dead)
    smtp.faults.policy.update(f"reader{n:05d}@mail.example" for n in (6, 7, 8))
    with pytest.raises(SendPaused, match="3 addresses failed in a row") as paused:
        send(settings, store)
    assert "3 address(es) do not exist and are now marked bounced" in str(paused.value)
    assert statuses(store, dead) == {"bounced"}
    assert statuses(store, [f"reader{n:05d}@mail.example" for n in (6, 7, 8)]) == {"active"}
    assert send_runs(store)[-1].outcome == "paused"


def test_dead_addresses_before_the_server_took_anything_pause_and_are_marked_once_it_does(
        tmp_path, smtp):
    """A server that calls every address nonexistent may be the wrong server: until it takes
    one message, dead addresses count toward the pause and nobody is marked. Once the
    resumed send gets through, the ledger still knows them. One connection: the dead
    addresses come first."""
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, pause_after=3,
                                              extra="connections = 1"))
    add_subscribers(store, numbered(6))
    dead = [f"reader{n:05d}@mail.example" for n in (1, 2, 3)]
    smtp.faults.permanent.update(dead)
    with pytest.raises(SendPaused, match="not marked bounced"):
        send(settings, store)
    assert statuses(store, dead) == {"active"}
    report = send(settings, store)
    assert (report.outcome, report.sent) == ("complete", 3)
    assert statuses(store, dead) == {"bounced"}


# --- a sender that lost its lock ------------------------------------------------------------

def test_a_send_whose_lock_was_taken_over_stops_before_the_next_message(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port,
                                              extra="connections = 1"))
    add_subscribers(store, numbered(3))
    later = {"by": timedelta(0)}

    def clock():
        return now() + later["by"]

    def stalled_then_taken_over(done, total):
        if done == 1:  # the send stalls six minutes; another send takes its lock over
            later["by"] = timedelta(minutes=6)
            Lock(store.engine, "send", purpose="another send", clock=clock).acquire()

    with pytest.raises(LockLost, match=r"a newsletter send lost its lock: another process "
                                       r"took it over \(process \d+ on .*\) while this one showed "
                                       r"no sign of life; stopped at once"):
        send(settings, store, clock=clock, progress=stalled_then_taken_over)
    assert len(smtp.messages) == 1
    run = send_runs(store)[-1]
    assert run.outcome == "failed" and "lost its lock" in run.note


def start_send(config):
    return subprocess.Popen([NEWSLETTER, "send", "--config", str(config)], env=clean_env(ENV),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def with_stale_limit(config, seconds: int):
    config.write_text(config.read_text().replace(
        'outbox = "outbox"', f'outbox = "outbox"\nlock_stale_seconds = {seconds}'))
    return config


def send_lock(store):
    with store.engine.connect() as conn:
        return conn.execute(select(db.locks).where(db.locks.c.name == "send")).first()


def test_a_send_waiting_longer_than_the_stale_limit_keeps_its_lock(tmp_path, smtp):
    config = with_stale_limit(make_clinic(tmp_path, port=smtp.port,
                                          extra="timeout_seconds = 300"), 5)
    _, store = open_clinic(config)
    add_subscribers(store, numbered(3))
    smtp.faults.hold_data = 2  # the server sits on the second message
    first = start_send(config)
    wait_until(smtp.hold.reached.is_set, timeout=60)
    lock = send_lock(store)
    # renewed while it waits, past the stale limit
    wait_until(lambda: send_lock(store).heartbeat_at - lock.acquired_at > timedelta(seconds=7),
               timeout=60)
    second = start_send(config)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 3 and "already running" in err, (out, err)
    smtp.hold.release.set()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]


def test_a_send_stopped_past_the_stale_limit_and_taken_over_ends_with_one_clear_line(
        tmp_path, smtp):
    config = with_stale_limit(make_clinic(tmp_path, port=smtp.port,  # one message in flight
                                          extra="timeout_seconds = 300\nconnections = 1"), 2)
    _, store = open_clinic(config)
    add_subscribers(store, numbered(4))
    smtp.faults.hold_data = 2
    stalled = start_send(config)
    try:
        wait_until(smtp.hold.reached.is_set, timeout=60)
        stalled.send_signal(signal.SIGSTOP)  # frozen (a paused VM, a swap storm)
        smtp.hold.release.set()  # the server takes the message it was handed
        wait_until(lambda: now() - send_lock(store).heartbeat_at > timedelta(seconds=3),
                   timeout=60)
        other = start_send(config)
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0 and "(complete)" in out, err
    finally:
        stalled.send_signal(signal.SIGCONT)
    out, err = stalled.communicate(timeout=60)
    assert stalled.returncode == 1, (out, err)
    assert "error: a newsletter send lost its lock: another process took it over" in err
    # not SQLite's "UNIQUE constraint failed" nor PostgreSQL's "violates unique constraint"
    assert "Traceback" not in err and "unique" not in err.lower()
    # only the message in flight when it froze went twice
    assert smtp.count_by_recipient() == {"reader00001@mail.example": 1,
                                         "reader00002@mail.example": 2,
                                         "reader00003@mail.example": 1,
                                         "reader00004@mail.example": 1}
    assert [run.outcome for run in send_runs(store)] == ["failed", "complete"]
