"""Several senders share one issue's list: `newsletter send` and `newsletter send --worker`
as real processes on one database (as on several hosts sharing one PostgreSQL), sending to
one aiosmtpd server. Everyone gets exactly one copy; a worker killed with SIGKILL mid-batch
loses nobody: once its heartbeat lapses, the other sender takes over its claims, and the
only repeat is the message it had in flight."""

import re
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsletter.storage import db

from ..helpers import NEWSLETTER, clean_env, wait_until
from ..sending_setup import ENV, add_subscribers, make_clinic, numbered, open_clinic

pytestmark = pytest.mark.usefixtures("each_database")


def start_send(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([NEWSLETTER, "send", "--config", str(config), *args],
                            env=clean_env(ENV), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def clinic(folder: Path, smtp, *, people: int, rate: float, lapse: float):
    config = make_clinic(folder, port=smtp.port, rate=rate, extra=f"""
[workers]
claim_batch = 10
claim_lapse_seconds = {lapse}
""")
    _, store = open_clinic(config)
    add_subscribers(store, numbered(people))
    return config, store


def being_sent(store) -> bool:
    issue = store.issues.open()
    return issue is not None and issue.status == "sending"


def claims_of(store, pid: int) -> tuple[int, int]:
    """The claims of the process `pid`: how many it has served, how many not yet."""
    c, d = db.send_claims, db.deliveries
    served = select(d.c.subscriber_id).where(d.c.issue_id == c.c.issue_id)
    with store.engine.connect() as conn:
        mine = c.c.worker.startswith(f"{pid}@")
        done = conn.execute(select(func.count()).where(
            mine, c.c.subscriber_id.in_(served))).scalar()
        left = conn.execute(select(func.count()).where(
            mine, c.c.subscriber_id.not_in(served))).scalar()
    return done, left


def sent_in(report: str) -> int:
    return int(re.search(r"sent (\d+), failed", report).group(1))


def test_a_worker_joins_the_send_and_everyone_gets_exactly_one_copy(tmp_path, smtp):
    config, store = clinic(tmp_path, smtp, people=200, rate=20, lapse=120)
    first = start_send(config)
    wait_until(lambda: being_sent(store) or first.poll() is not None)
    worker = start_send(config, "--worker")
    worker_out, worker_err = worker.communicate(timeout=120)
    first_out, first_err = first.communicate(timeout=120)
    assert (first.returncode, worker.returncode) == (0, 0), first_err + worker_err
    assert smtp.count_by_recipient() == {email: 1 for email, _ in numbered(200)}
    assert 0 < sent_in(worker_out) < 200, "the worker took a share"
    assert sent_in(worker_out) + sent_in(first_out) == 200
    assert store.issues.sent()[0].status == "sent"


def test_a_worker_killed_mid_batch_loses_nobody_once_its_heartbeat_lapses(tmp_path, smtp):
    config, store = clinic(tmp_path, smtp, people=300, rate=20, lapse=2)  # 15 s alone
    first = start_send(config)
    wait_until(lambda: being_sent(store) or first.poll() is not None)
    worker = start_send(config, "--worker")

    def mid_batch() -> bool:
        done, left = claims_of(store, worker.pid)
        return (done >= 2 and left >= 3) or worker.poll() is not None

    wait_until(mid_batch, timeout=60)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert worker.returncode == -signal.SIGKILL, ("it was still sending", worker.communicate())
    _, orphaned = claims_of(store, worker.pid)
    assert orphaned >= 2, "it died holding claims it had not served"
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "(complete)" in out
    counts = smtp.count_by_recipient()
    assert set(counts) == {email for email, _ in numbered(300)}, "nobody lost"
    assert sum(n - 1 for n in counts.values()) <= 1, "at most its message in flight, again"
    assert claims_of(store, worker.pid) == (0, 0), "its claims were taken over"


def test_a_worker_with_no_send_under_way_says_so_in_one_line(tmp_path, smtp):
    config, _ = clinic(tmp_path, smtp, people=3, rate=0, lapse=120)
    worker = start_send(config, "--worker")
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 1
    assert err.startswith("error: no send is under way to join"), err
    assert "Traceback" not in err and smtp.messages == []
