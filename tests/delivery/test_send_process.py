"""`newsletter send` as real processes: killed with SIGKILL mid-send and started again, run
twice at once, and driven from the command line and send.py."""

import re
import signal
from email import message_from_bytes
import subprocess
import sys
from pathlib import Path

import pytest

from newsletter.common.tokens import subscriber_of

from ..helpers import NEWSLETTER, ROOT, clean_env, wait_until
from ..smtpserver import SmtpServer
from ..sending_setup import ENV, add_subscribers, make_clinic, numbered, open_clinic

pytestmark = pytest.mark.usefixtures("each_database")


def start_send(config: Path, *args: str, command=(NEWSLETTER, "send")) -> subprocess.Popen:
    return subprocess.Popen([*command, "--config", str(config), *args],
                            env=clean_env(ENV), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("connections, pipelining", [(1, False), (4, True)],
                         ids=["one connection", "four pipelined connections"])
def test_killed_three_times_mid_send_every_subscriber_is_served_once(tmp_path, connections,
                                                                       pipelining):
    with SmtpServer(pipelining=pipelining) as smtp:
        config = make_clinic(tmp_path, port=smtp.port, rate=150,
                             extra=f"connections = {connections}")
        _, store = open_clinic(config)
        add_subscribers(store, numbered(300))
        kills = 0
        for stop_after in (40, 120, 210):
            process = start_send(config)
            wait_until(lambda: len(smtp.messages) >= stop_after or process.poll() is not None)
            assert process.poll() is None, process.communicate()
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        final = start_send(config)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err
        assert "(complete)" in out
        counts = smtp.count_by_recipient()
        assert set(counts) == {email for email, _ in numbered(300)}
        repeats = sum(n - 1 for n in counts.values())
        # at most the message whose DATA was under way on each connection at each kill
        assert repeats <= kills * connections
        assert store.issues.sent()[0].status == "sent"


def test_two_sends_at_once_one_goes_ahead_the_other_says_who(tmp_path, smtp):
    config = make_clinic(tmp_path, port=smtp.port, rate=10)
    _, store = open_clinic(config)
    add_subscribers(store, numbered(30))
    first = start_send(config)
    wait_until(lambda: len(smtp.messages) >= 1)
    first.send_signal(signal.SIGSTOP)  # holds the lock however slowly the second starts
    try:
        second = start_send(config)
        out, err = second.communicate(timeout=60)
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode == 3
    assert f"already running (process {first.pid} on " in err
    assert "Traceback" not in err
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert sorted(smtp.count_by_recipient().values()) == [1] * 30


def test_the_cli_reports_what_it_did(tmp_path, smtp):
    config = make_clinic(tmp_path, port=smtp.port)
    _, store = open_clinic(config)
    add_subscribers(store, numbered(3))
    dry = start_send(config, "--dry-run")
    out, _ = dry.communicate(timeout=60)
    assert dry.returncode == 0 and "to 3 subscriber(s) via SMTP server 127.0.0.1:" in out
    assert "Dry run: nothing was sent" in out and smtp.messages == []
    test = start_send(config, "--to", "staff@clinic.example")
    out, _ = test.communicate(timeout=60)
    assert test.returncode == 0 and "Sent a test copy" in out
    real = start_send(config, command=(sys.executable, str(ROOT / "send.py")))
    out, err = real.communicate(timeout=60)
    assert real.returncode == 0, err
    assert "(complete)" in out and "sent 3, failed 0, skipped 0, deferred 0" in out
    assert len(smtp.messages) == 4


def test_without_an_exported_secret_key_the_send_makes_one_and_keeps_it(tmp_path, smtp):
    config = make_clinic(tmp_path, port=smtp.port)
    settings, store = open_clinic(config)
    add_subscribers(store, numbered(1))
    process = subprocess.run([NEWSLETTER, "send", "--config", str(config)], text=True,
                             capture_output=True, env=clean_env())
    assert process.returncode == 0, process.stderr
    assert settings.secret_key_file.parent == tmp_path  # beside the SQLite file, or the config
    key = settings.secret_key_file.read_text().strip()
    (message,) = smtp.messages
    header = message_from_bytes(message.data)["List-Unsubscribe"]
    token = re.search(r"/unsubscribe/([^>]+)>", header).group(1)
    assert subscriber_of(key, token) == 1
