"""The lock tells a dead holder from a live one whatever its process id: a container's PID 1
after a restart, an id reused after a reboot, this very process's id on another start."""

import os
import socket
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from newsletter.storage import db
from newsletter.storage.lock import Lock, LockHeld
from newsletter.storage.process import ProcessIdentity
from newsletter.storage.store import Store

from ..sending_setup import now

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
def store(tmp_path) -> Store:
    if ME.start is None:
        pytest.skip("no /proc here: only the process id and the heartbeat count")
    return Store.open(f"sqlite:///{tmp_path / 'lock.db'}")


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


def test_the_identity_read_from_proc_is_this_process():
    assert ME.pid == os.getpid() and ME.start is not None and ME.start > 0
    assert ME.boot_id and ME.pid_namespace.startswith("pid:")
