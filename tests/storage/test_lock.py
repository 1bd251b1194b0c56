"""The lock tells a dead holder from a live one whatever its process id: a container's PID 1
after a restart, an id reused after a reboot, this very process's id on another start. On
SQLite and PostgreSQL: two machines share a lock only through a server."""

import os
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from newsletter.storage import db
from newsletter.storage.lock import Lock, LockHeld, LockLost
from newsletter.storage.process import ProcessIdentity
from newsletter.storage.store import Store

from ..sending_setup import now

pytestmark = pytest.mark.usefixtures("each_database")

ME = ProcessIdentity.of_this_process()


def held_by(store: Store, *, host: str | None = None, heartbeat_ago: float = 0,
            **identity) -> None:
    """A "send" lock row as another holder left it: this process's identity unless told."""
    values = {**dict(pid=ME.pid, boot_id=ME.boot_id, pid_namespace=ME.pid_namespace,
                     process_start=ME.start), **identity}
    with store.engine.begin() as conn:
        conn.execute(insert(db.locks).values(
            name="send", holder=f"{values['pid']}@x#someoneelse", host=host or
            socket.gethostname(), purpose="a newsletter send", acquired_at=now(),
            heartbeat_at=now() - timedelta(seconds=heartbeat_ago), **values))


def holder(store: Store) -> str:
    with store.engine.connect() as conn:
        return conn.execute(select(db.locks.c.holder)).scalar_one()


@pytest.fixture
def store(each_database) -> Iterator[Store]:
    if ME.start is None:
        pytest.skip("no /proc here: only the process id and the heartbeat count")
    store = Store.open(each_database.url)
    yield store
    store.engine.dispose()


def lock(store: Store) -> Lock:
    return Lock(store.engine, "send", purpose="a newsletter send", clock=now)


@pytest.mark.parametrize("left_by", [
    dict(process_start=ME.start - 100 if ME.start else 0),  # this pid, another start
    dict(boot_id="00000000-0000-0000-0000-000000000000"),  # this host, an earlier boot
    dict(pid=2 ** 22 + 7),  # a process that no longer runs
], ids=["same-pid-other-start", "earlier-boot", "gone"])
def test_a_dead_holder_is_taken_over_at_once_whatever_its_pid(store, left_by):
    held_by(store, **left_by)
    mine = lock(store)
    mine.acquire()
    assert holder(store) == mine.holder


def test_a_live_holder_keeps_it_even_with_this_very_process_id(store):
    held_by(store)  # this process, this start: another Lock of this very process
    with pytest.raises(LockHeld, match=rf"already running \(process {ME.pid} on "):
        lock(store).acquire()


def test_a_holder_elsewhere_keeps_it_until_its_heartbeat_lapses(store):
    held_by(store, host="another-host", pid=1, heartbeat_ago=60)
    with pytest.raises(LockHeld):
        lock(store).acquire()  # a minute of silence is less than a send's five
    quick = Lock(store.engine, "send", purpose="a newsletter send", clock=now,
                 stale_after=timedelta(seconds=45))
    quick.acquire()
    assert holder(store) == quick.holder


def racing(store: Store, count: int, **options) -> tuple[list[Lock], list[Exception]]:
    """`count` locks of this process asking for the "send" lock at the same moment, each on
    a thread of its own: the ones that got it, and what the others raised."""
    start = threading.Barrier(count)
    won, refused = [], []

    def ask() -> None:
        mine = Lock(store.engine, "send", purpose="a newsletter send", clock=now, **options)
        start.wait()
        try:
            mine.acquire()
            won.append(mine)
        except Exception as error:  # noqa: BLE001 - whatever it is, the test shows it
            refused.append(error)

    threads = [threading.Thread(target=ask) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, refused


def test_of_many_asking_at_once_for_a_free_lock_one_gets_it_the_others_are_told(store):
    won, refused = racing(store, 8)
    assert len(won) == 1 and holder(store) == won[0].holder
    assert [type(error) for error in refused] == [LockHeld] * 7


def test_of_many_taking_over_one_stale_lock_at_once_one_gets_it_the_others_are_told(store):
    """Each sees the stale row; only one may replace it, the others find it live or gone."""
    held_by(store, host="another-host", pid=1, heartbeat_ago=600)
    won, refused = racing(store, 8)
    assert len(won) == 1 and holder(store) == won[0].holder
    assert won[0].replaced == "1@x#someoneelse"
    assert [type(error) for error in refused] == [LockHeld] * 7


def test_a_lock_freed_and_taken_by_a_third_between_two_looks_is_held_not_a_crash(store):
    """The narrowest window: our insert finds a holder; it lets go before we look again;
    a third process inserts before our second insert. That third holds the lock, and we
    are told so, as LockHeld, not with a database error."""
    held_by(store, host="another-host", pid=1)
    third = Lock(store.engine, "send", purpose="a newsletter send", clock=now)
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    moments = []

    def act_between_the_looks(conn, cursor, statement, *_):
        words = statement.lstrip().upper()
        if "LOCKS" not in words or moments == ["released", "taken"]:
            return
        if words.startswith("SELECT") and not moments:
            with other.engine.begin() as elsewhere:  # the holder lets go
                elsewhere.execute(db.locks.delete())
            moments.append("released")
        elif words.startswith("INSERT") and moments == ["released"]:
            moments.append("taken")
            third.engine = other.engine
            third.acquire()  # the third is quicker

    mine = lock(store)
    event.listen(store.engine, "before_cursor_execute", act_between_the_looks)
    try:
        with pytest.raises(LockHeld, match="another process took the lock just now"):
            mine.acquire()
    finally:
        event.remove(store.engine, "before_cursor_execute", act_between_the_looks)
        other.engine.dispose()
    assert moments == ["released", "taken"]
    assert holder(store) == third.holder


def test_a_holder_whose_lock_was_taken_over_knows_it_and_leaves_the_new_holder_be(store):
    later = {"by": timedelta(0)}

    def clock():
        return now() + later["by"]

    first = Lock(store.engine, "send", purpose="a newsletter send", clock=clock)
    first.acquire()
    assert first.heartbeat()
    later["by"] = timedelta(minutes=6)  # silent for longer than the stale limit
    second = Lock(store.engine, "send", purpose="another send", clock=clock)
    second.acquire()
    assert second.replaced == first.holder
    assert not first.heartbeat()
    with pytest.raises(LockLost, match=rf"another process took it over \(process {ME.pid} "):
        first.ensure_held()
    first.release()
    assert holder(store) == second.holder
    second.release()
    with store.engine.connect() as conn:
        assert conn.execute(select(db.locks)).all() == []


def test_the_identity_read_from_proc_is_this_process():
    assert ME.pid == os.getpid() and ME.start is not None and ME.start > 0
    assert ME.boot_id and ME.pid_namespace.startswith("pid:")
