"""Claims on their own, on SQLite and PostgreSQL: senders sharing one issue's list get
disjoint batches that together cover everyone; a silent sender's claims are taken over
once its heartbeat lapses and not before; a sender whose claims were taken passes over
them; one that finds nobody left waits for the others' claims to be served."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from newsletter.storage import db
from newsletter.storage.claims import Claims, release_claims_of
from newsletter.storage.ledger import Ledger

from .test_ledger import add_issue, add_people, add_subscriber, set_status

pytestmark = pytest.mark.usefixtures("each_database")

LAPSE = timedelta(seconds=60)


class Clock:
    def __init__(self):
        self.at = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def engine(each_database):
    engine = db.connect(each_database.url)
    yield engine
    engine.dispose()


def sender(engine, issue_id, name, clock, *, batch=3, wait=None, tag=None) -> Claims:
    def no_wait(_seconds):
        raise AssertionError("waited, with nobody else holding claims")

    return Claims(engine, issue_id, worker=name, clock=clock, lapse=LAPSE, batch=batch,
                  wait=wait or no_wait, tag=tag)


def serve(ledger: Ledger, recipients, clock, count=None) -> list[int]:
    """Records `count` of `recipients` (all by default) as sent; their ids."""
    served = []
    for recipient in recipients:
        ledger.record(recipient.id, "sent", now=clock())
        served.append(recipient.id)
        if len(served) == count:
            break
    return served


def serve_rounds(ledger: Ledger, claims: Claims, clock) -> list[int]:
    """Serves everyone `claims` gives, round after round, as a send does."""
    return [served for recipients in claims.rounds()
            for served in serve(ledger, recipients, clock)]


def holders(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(db.send_claims.c.subscriber_id,
                                        db.send_claims.c.worker)).all())


def test_two_senders_take_turns_by_batch_and_serve_everyone_once(engine):
    issue, clock = add_issue(engine), Clock()
    people = add_people(engine, 10)
    with Ledger(engine, issue) as ledger, sender(engine, issue, "a", clock) as a, \
            sender(engine, issue, "b", clock) as b:
        first, second = a.recipients(), b.recipients()
        served_a = serve(ledger, first, clock, count=1)  # a claims 1-3 and serves one
        served_b = serve(ledger, second, clock, count=3)  # b claims 4-6 and serves them
        assert set(holders(engine).values()) == {"a", "b"}
        served_a += serve(ledger, first, clock)  # a: the rest of its batch, 7-9, then 10
        served_b += serve(ledger, second, clock)  # b: nobody left
    assert served_a == people[:3] + people[6:]
    assert served_b == people[3:6]
    assert holders(engine) == {}, "leaving gives everything back"


def test_two_senders_ending_at_once_never_wait_on_each_others_claims(engine, each_database):
    """Each sender, ending, deletes its own claims and then every served one. On PostgreSQL
    two of them once deadlocked (each held its own rows and wanted the other's); here the
    other sender is caught holding its rows, mid-release, and this one must not wait."""
    if each_database.kind != "postgresql":
        pytest.skip("row locks: SQLite has one lock for the whole file")
    issue, clock = add_issue(engine), Clock()
    add_people(engine, 6)
    with Ledger(engine, issue) as ledger:
        a, b = sender(engine, issue, "a", clock), sender(engine, issue, "b", clock)
        serve(ledger, a.recipients(), clock, count=3)
        serve(ledger, b.recipients(), clock, count=3)
        assert set(holders(engine).values()) == {"a", "b"}
        ended = threading.Event()
        with engine.connect() as other:
            other.execute(db.send_claims.delete().where(db.send_claims.c.worker == "b"))
            releasing = threading.Thread(target=lambda: (a.release(), ended.set()))
            releasing.start()
            finished = ended.wait(20)  # before the fix: blocked until b's transaction ends
            other.commit()
            releasing.join()
        assert finished, "a waited on b's claims"
    assert holders(engine) == {}


def test_a_silent_senders_claims_are_taken_over_once_its_heartbeat_lapses(engine):
    issue, clock = add_issue(engine), Clock()
    people = add_people(engine, 4)
    with Ledger(engine, issue) as ledger:
        dead = sender(engine, issue, "dead", clock, batch=3)
        assert serve(ledger, dead.recipients(), clock, count=1) == people[:1]  # then killed
        waits = []

        def wait(seconds):
            waits.append(seconds)
            clock.advance(seconds)

        with sender(engine, issue, "alive", clock, batch=3, wait=wait) as alive:
            served = serve_rounds(ledger, alive, clock)
        assert served == [people[3], *people[1:3]]  # its own first, then the dead one's
        assert waits and clock.at - datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc) > LAPSE
    with engine.connect() as conn:
        rows = conn.execute(select(db.deliveries.c.subscriber_id)).scalars().all()
    assert sorted(rows) == people


def test_a_sender_that_keeps_its_heartbeat_keeps_its_claims(engine):
    issue, clock = add_issue(engine), Clock()
    add_people(engine, 3)
    with Ledger(engine, issue) as ledger:
        slow = sender(engine, issue, "slow", clock)
        slow_one = slow.recipients()
        serve(ledger, slow_one, clock, count=1)
        for _ in range(4):  # two minutes of one slow message, a heartbeat every quarter lapse
            clock.advance(LAPSE.total_seconds() / 2)
            slow.keep_alive()
        other = sender(engine, issue, "other", clock,
                       wait=lambda _s: serve(ledger, slow_one, clock))
        assert serve_rounds(ledger, other, clock) == []
    assert set(holders(engine).values()) <= {"slow"}


def test_a_sender_passes_over_claims_taken_from_it_while_it_was_silent(engine):
    issue, clock = add_issue(engine), Clock()
    people = add_people(engine, 3)
    with Ledger(engine, issue) as ledger:
        stalled = sender(engine, issue, "stalled", clock)
        stalled_one = stalled.recipients()
        serve(ledger, stalled_one, clock, count=1)
        clock.advance(LAPSE.total_seconds() + 1)
        with sender(engine, issue, "other", clock) as other:
            assert serve_rounds(ledger, other, clock) == people[1:]
        assert list(stalled_one) == [], "it comes back and finds nothing left of its own"


def test_a_lock_holder_replaced_gives_its_claims_back_at_once(engine):
    issue, clock = add_issue(engine), Clock()
    people = add_people(engine, 3)
    with Ledger(engine, issue) as ledger:
        serve(ledger, sender(engine, issue, "old-holder", clock).recipients(), clock, count=1)
        release_claims_of(engine, "old-holder")
        with sender(engine, issue, "new-holder", clock) as new:
            assert serve_rounds(ledger, new, clock) == people[1:]


def test_claims_follow_the_tag_and_pass_over_whoever_left(engine):
    issue, clock = add_issue(engine), Clock()
    tagged = add_people(engine, 4, tags=["acupuncture"])
    others = [add_subscriber(engine, f"other{n}@mail.example") for n in range(3)]
    set_status(engine, tagged[0], "unsubscribed")
    with Ledger(engine, issue) as ledger, \
            sender(engine, issue, "a", clock, batch=2, tag="acupuncture") as a:
        assert serve_rounds(ledger, a, clock) == tagged[1:]
    assert not set(others) & set(holders(engine))
