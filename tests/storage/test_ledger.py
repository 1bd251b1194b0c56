"""The delivery ledger on its own, on a real SQLite file: who is left (active, not yet served
for this issue, in id order, a batch at a time, by tag), rows committed the moment they are
recorded, and a resumed ledger that serves nobody twice."""

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from newsletter.common.model import Recipient
from newsletter.storage import db
from newsletter.storage.ledger import Deferral, Ledger

from ..helpers import ROOT, clean_env

T0 = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def engine(url):
    engine = db.connect(url)
    yield engine
    engine.dispose()


@pytest.fixture
def other(url, engine):
    """A second engine on the same file: another process's view of the database."""
    second = db.connect(url)
    yield second
    second.dispose()


def add_issue(engine, slug: str = "2026-11-30") -> int:
    with engine.begin() as conn:
        return conn.execute(insert(db.issues).values(
            slug=slug, status="sending", articles=[], subject="s", preheader="p", html="<p>",
            text="t", warnings=[], created_at=T0, updated_at=T0)).inserted_primary_key[0]


def add_subscriber(engine, email: str, *, status: str = "active", tags=(), name: str = "") -> int:
    with engine.begin() as conn:
        return conn.execute(insert(db.subscribers).values(
            email=email, name=name, tags=list(tags), status=status, source="cli",
            created_at=T0, updated_at=T0)).inserted_primary_key[0]


def add_people(engine, count: int, **options) -> list[int]:
    return [add_subscriber(engine, f"p{n}@mail.example", **options) for n in range(count)]


def set_status(engine, subscriber_id: int, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(db.subscribers).where(db.subscribers.c.id == subscriber_id)
                     .values(status=status))


def rows_of(engine, issue_id: int) -> dict[int, tuple]:
    d = db.deliveries
    with engine.connect() as conn:
        return {row.subscriber_id: (row.status, row.error, row.at, row.attempts)
                for row in conn.execute(select(d).where(d.c.issue_id == issue_id))}


def ids(recipients) -> list[int]:
    return [r.id for r in recipients]


# --- who is left ------------------------------------------------------------------------------

def test_remaining_is_every_active_subscriber_in_id_order_as_recipients(engine):
    issue = add_issue(engine)
    ana = add_subscriber(engine, "ana@mail.example", name="Ana López")
    pending = add_subscriber(engine, "pending@mail.example", status="pending")
    bob = add_subscriber(engine, "bob@mail.example", name="Bob")
    for status in ("unsubscribed", "bounced", "complained"):
        add_subscriber(engine, f"{status}@mail.example", status=status)
    cy = add_subscriber(engine, "cy@mail.example")
    with Ledger(engine, issue) as ledger:
        left = list(ledger.remaining())
    assert left == [Recipient(ana, "ana@mail.example", "Ana López"),
                    Recipient(bob, "bob@mail.example", "Bob"),
                    Recipient(cy, "cy@mail.example", "")]
    assert pending not in ids(left)


@pytest.mark.parametrize("batch", [1, 2, 3, 7, 500])
def test_remaining_gives_the_same_subscribers_whatever_the_batch_size(engine, batch):
    issue = add_issue(engine)
    people = add_people(engine, 7)
    set_status(engine, people[3], "unsubscribed")
    with Ledger(engine, issue) as ledger:
        assert ids(ledger.remaining(batch=batch)) == people[:3] + people[4:]


def test_remaining_by_tag_only_those_who_carry_it_across_batches(engine):
    issue = add_issue(engine)
    tagged = []
    for n in range(9):
        tags = ("back pain", "vip") if n % 3 == 0 else ("vip",) if n % 3 == 1 else ()
        sid = add_subscriber(engine, f"t{n}@mail.example", tags=tags)
        if "back pain" in tags:
            tagged.append(sid)
    add_subscriber(engine, "near-miss@mail.example", tags=["back", "pain"])
    assert len(tagged) == 3
    with Ledger(engine, issue) as ledger:
        assert ids(ledger.remaining(tag="back pain", batch=2)) == tagged
        assert len(list(ledger.remaining(tag="vip", batch=2))) == 6
        assert list(ledger.remaining(tag="nobody has this", batch=2)) == []


def test_remaining_leaves_out_who_this_issue_already_served_whatever_the_outcome(engine):
    issue, other_issue = add_issue(engine), add_issue(engine, "2026-12-07")
    people = add_people(engine, 6)
    with Ledger(engine, other_issue) as ledger:
        for sid in people:
            ledger.record(sid, "sent", now=T0)
    with Ledger(engine, issue) as ledger:
        for sid, status in zip(people, ("sent", "failed", "skipped", "deferred")):
            ledger.record(sid, status, now=T0)
        assert ids(ledger.remaining()) == people[4:]
        assert ledger.count_remaining() == 2


def test_remaining_reads_each_batch_fresh_so_a_send_sees_changes_made_meanwhile(engine, other):
    """No read transaction pins the list as it was when the send began: someone who leaves
    while an earlier batch is being sent is not in a later batch, and someone who joins is."""
    issue = add_issue(engine)
    people = add_people(engine, 6)
    with Ledger(engine, issue) as ledger:
        recipients = ledger.remaining(batch=2)
        assert ids([next(recipients), next(recipients)]) == people[:2]
        set_status(other, people[4], "unsubscribed")
        late = add_subscriber(other, "late@mail.example")
        assert ids(recipients) == [people[2], people[3], people[5], late]


def test_recording_while_iterating_serves_each_subscriber_exactly_once(engine):
    """The send loop records each recipient as it goes; the next batch's query, which leaves
    out served subscribers, must neither skip nor repeat anyone."""
    issue = add_issue(engine)
    people = add_people(engine, 11)
    served = []
    with Ledger(engine, issue) as ledger:
        for recipient in ledger.remaining(batch=3):
            served.append(recipient.id)
            ledger.record(recipient.id, "sent", now=T0)
        assert served == people
        assert list(ledger.remaining()) == [] and ledger.count_remaining() == 0


def test_count_remaining_counts_what_remaining_would_give(engine):
    issue = add_issue(engine)
    people = [add_subscriber(engine, f"c{n}@mail.example", tags=["vip"] if n < 4 else [])
              for n in range(10)]
    set_status(engine, people[0], "unsubscribed")
    with Ledger(engine, issue) as ledger:
        assert ledger.count_remaining() == 9
        assert ledger.count_remaining(tag="vip") == 3
        assert ledger.count_remaining(tag="none") == 0
        ledger.record(people[1], "sent", now=T0)
        ledger.record(people[9], "failed", now=T0, error="550 no such user")
        assert ledger.count_remaining() == 7 == len(list(ledger.remaining()))
        assert ledger.count_remaining(tag="vip") == 2 == len(list(ledger.remaining(tag="vip")))


def test_an_empty_list_has_nobody_left(engine):
    issue = add_issue(engine)
    with Ledger(engine, issue) as ledger:
        assert list(ledger.remaining()) == [] and ledger.count_remaining() == 0
        assert ledger.counts() == {}


# --- recording --------------------------------------------------------------------------------

def test_a_recorded_row_is_committed_at_once_and_visible_to_another_connection(engine, other):
    issue = add_issue(engine)
    ana, bob = add_people(engine, 2)
    ledger = Ledger(engine, issue)
    try:
        ledger.record(ana, "sent", now=T0)
        assert rows_of(other, issue) == {ana: ("sent", None, T0, 1)}
        ledger.record(bob, "deferred", now=T0 + timedelta(seconds=2), error="421 try later")
        assert rows_of(other, issue)[bob] == ("deferred", "421 try later",
                                              T0 + timedelta(seconds=2), 1)
    finally:
        ledger.close()


def test_record_stores_the_instant_in_utc_and_refuses_a_naive_time(engine):
    issue = add_issue(engine)
    ana, bob = add_people(engine, 2)
    chicago = timezone(timedelta(hours=-6))
    with Ledger(engine, issue) as ledger:
        ledger.record(ana, "sent", now=datetime(2026, 11, 30, 9, 0, tzinfo=chicago))
        with pytest.raises(ValueError, match="naive"):
            ledger.record(bob, "sent", now=datetime(2026, 11, 30, 15, 0))
    at = rows_of(engine, issue)[ana][2]
    assert at == T0 and at.tzinfo == timezone.utc
    assert bob not in rows_of(engine, issue)


def test_a_subscriber_is_recorded_once_per_issue(engine):
    """One row per (issue, subscriber): a second row for the same pair is refused."""
    from sqlalchemy.exc import IntegrityError

    issue = add_issue(engine)
    (ana,) = add_people(engine, 1)
    with Ledger(engine, issue) as ledger:
        ledger.record(ana, "sent", now=T0)
        with pytest.raises(IntegrityError):
            ledger.record(ana, "sent", now=T0)
    assert rows_of(engine, issue) == {ana: ("sent", None, T0, 1)}


def test_counts_are_this_issues_rows_by_status(engine):
    issue, other_issue = add_issue(engine), add_issue(engine, "2026-12-07")
    people = add_people(engine, 7)
    with Ledger(engine, issue) as ledger:
        for sid, status in zip(people, ["sent"] * 3 + ["failed", "skipped"] + ["deferred"] * 2):
            ledger.record(sid, status, now=T0)
        with Ledger(engine, other_issue) as second:
            second.record(people[0], "failed", now=T0)
            assert second.counts() == {"failed": 1}
        assert ledger.counts() == {"sent": 3, "failed": 1, "skipped": 1, "deferred": 2}


# --- still subscribed? ------------------------------------------------------------------------

def test_still_active_is_true_only_for_an_active_subscriber(engine):
    issue = add_issue(engine)
    active = add_subscriber(engine, "a@mail.example")
    others = [add_subscriber(engine, f"{s}@mail.example", status=s)
              for s in ("pending", "unsubscribed", "bounced", "complained")]
    with Ledger(engine, issue) as ledger:
        assert ledger.still_active(active) is True
        assert [ledger.still_active(sid) for sid in others] == [False] * 4
        assert ledger.still_active(99_999) is False


def test_an_unsubscribe_from_another_connection_is_seen_at_once(engine, other):
    """Asked right before each message, twice in a row with nothing recorded between: the
    answer must not come from a snapshot taken at the first question."""
    issue = add_issue(engine)
    ana, bob = add_people(engine, 2)
    with Ledger(engine, issue) as ledger:
        assert ledger.still_active(ana) and ledger.still_active(bob)
        set_status(other, ana, "unsubscribed")
        assert ledger.still_active(ana) is False
        ledger.record(bob, "sent", now=T0)
        set_status(other, bob, "unsubscribed")
        assert ledger.still_active(bob) is False


# --- retry and resume -------------------------------------------------------------------------

def test_retry_deferred_offers_this_issues_deferred_rows_again_and_keeps_their_history(
        engine, other):
    issue, other_issue = add_issue(engine), add_issue(engine, "2026-12-07")
    sent, failed, skipped, deferred, later = add_people(engine, 5)
    with Ledger(engine, other_issue) as second:
        second.record(deferred, "deferred", now=T0)
    with Ledger(engine, issue) as ledger:
        for sid, status in ((sent, "sent"), (failed, "failed"), (skipped, "skipped"),
                            (deferred, "deferred")):
            ledger.record(sid, status, now=T0, error="452 full" if sid == deferred else None)
        assert ids(ledger.remaining()) == [later]
    with Ledger(engine, issue) as ledger:  # the next run
        ledger.retry_deferred(now=T0 + timedelta(hours=1))
        assert ids(ledger.remaining()) == [deferred, later]
        assert ledger.deferral(deferred) == Deferral(1, T0)
        assert ledger.deferral(later) is None
        ledger.record(deferred, "deferred", now=T0 + timedelta(hours=1), error="452 still full")
        assert rows_of(other, issue)[deferred] == ("deferred", "452 still full", T0, 2)
        assert ledger.deferral(deferred) == Deferral(2, T0)  # since the first deferral
    with Ledger(engine, issue) as ledger:
        ledger.retry_deferred(now=T0 + timedelta(hours=2))
        ledger.record(deferred, "sent", now=T0 + timedelta(hours=2))
    assert rows_of(engine, issue)[deferred] == ("sent", None, T0 + timedelta(hours=2), 3)
    assert rows_of(engine, other_issue) == {deferred: ("deferred", None, T0, 1)}


def test_a_deferred_subscriber_who_left_is_settled_as_skipped_not_waited_for(engine, other):
    issue = add_issue(engine)
    stays, leaves = add_people(engine, 2)
    with Ledger(engine, issue) as ledger:
        ledger.record(stays, "deferred", now=T0)
        ledger.record(leaves, "deferred", now=T0)
    set_status(other, leaves, "unsubscribed")
    with Ledger(engine, issue) as ledger:
        ledger.retry_deferred(now=T0 + timedelta(hours=1))
        assert ids(ledger.remaining()) == [stays]
        assert ledger.counts() == {"deferred": 1, "skipped": 1}


def test_a_resumed_ledger_skips_everyone_the_first_one_served(engine):
    issue = add_issue(engine)
    people = add_people(engine, 8)
    first = Ledger(engine, issue)
    recipients = first.remaining(batch=3)
    for recipient, status in zip(recipients, ("sent", "failed", "sent", "deferred", "sent")):
        first.record(recipient.id, status, now=T0)
    first.close()  # the send stopped here, mid-batch
    with Ledger(engine, issue) as resumed:
        assert ids(resumed.remaining()) == people[5:]
        resumed.retry_deferred(now=T0)
        assert ids(resumed.remaining()) == [people[3]] + people[5:]
        assert resumed.counts() == {"sent": 3, "failed": 1, "deferred": 1}


CRASHING_SEND = """
import os, sys
from datetime import datetime, timezone
from newsletter.storage import db
from newsletter.storage.ledger import Deferral, Ledger
ledger = Ledger(db.connect(sys.argv[1]), int(sys.argv[2]))
for n, recipient in enumerate(ledger.remaining(batch=2)):
    if n == 3:
        os._exit(9)  # killed mid-send: no close, no cleanup
    ledger.record(recipient.id, "sent", now=datetime.now(timezone.utc))
"""


def test_rows_recorded_before_a_crash_survive_it_and_the_resumed_send_skips_them(engine, url):
    issue = add_issue(engine)
    people = add_people(engine, 6)
    crashed = subprocess.run([sys.executable, "-c", CRASHING_SEND, url, str(issue)],
                             cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                             timeout=60)
    assert crashed.returncode == 9, crashed.stderr
    assert sorted(rows_of(engine, issue)) == people[:3]
    with Ledger(engine, issue) as resumed:
        assert ids(resumed.remaining()) == people[3:]
        assert resumed.counts() == {"sent": 3}


def test_the_context_manager_closes_the_connection(engine):
    issue = add_issue(engine)
    with Ledger(engine, issue) as ledger:
        assert not ledger.conn.closed
    assert ledger.conn.closed
