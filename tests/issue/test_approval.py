"""Approving and holding the open issue, as the CLI and the web preview do it."""

import subprocess

import pytest

from newsletter.common.errors import NotFound
from newsletter.delivery.sending import IssueHeld, SendOptions, send_next_issue
from newsletter.issue.approval import IssueChanged, approve, hold
from newsletter.issue.build import build_next_issue
from newsletter.mail.transport import OutboxTransport

from ..helpers import NEWSLETTER, clean_env
from ..sending_setup import ENV, add_subscribers, make_clinic, now, numbered, open_clinic


@pytest.fixture
def clinic(tmp_path):
    settings, store = open_clinic(make_clinic(tmp_path))
    add_subscribers(store, numbered(2))
    return settings, store


def send(settings, store, **kwargs):
    return send_next_issue(settings, store, OutboxTransport(settings.path("outbox")),
                           clock=now, options=SendOptions(**kwargs))


def test_approval_lets_a_schedule_that_needs_it_send(clinic):
    settings, store = clinic
    with pytest.raises(IssueHeld, match="needs staff approval"):
        send(settings, store, require_approval=True)
    issue = approve(store, None, by="Dr. Glenn", now=now())
    assert (issue.status, issue.approved_by) == ("approved", "Dr. Glenn")
    assert approve(store, None, by="someone else", now=now()).approved_by == "Dr. Glenn"
    assert send(settings, store, require_approval=True).outcome == "complete"


def test_a_held_issue_waits_for_approval_even_without_a_rule(clinic):
    settings, store = clinic
    build_next_issue(settings, store, now=now())
    approve(store, None, by="frontdesk", now=now())
    held = hold(store, None, by="frontdesk", reason="wait for the holiday hours post", now=now())
    assert (held.status, held.held_reason, held.approved_by) == (
        "held", "wait for the holiday hours post", None)
    with pytest.raises(IssueHeld, match="holiday hours"):
        send(settings, store)
    approve(store, None, by="frontdesk", now=now())
    assert send(settings, store).outcome == "complete"


def test_nothing_to_decide_says_why(clinic):
    settings, store = clinic
    with pytest.raises(NotFound, match="there is no open issue$"):
        approve(store, None, by="x", now=now())
    send(settings, store)
    with pytest.raises(NotFound, match=r"the last one, \S+, was sent on "):
        hold(store, None, by="x", now=now())


def test_an_issue_being_sent_or_replaced_cannot_be_approved_or_held(clinic):
    settings, store = clinic
    issue = build_next_issue(settings, store, now=now()).issue
    with pytest.raises(IssueChanged, match="changed since you looked"):
        approve(store, "0" * 24, by="x", now=now())
    assert store.issues.freeze(issue, now=now())
    for decide in (lambda: approve(store, None, by="x", now=now()),
                   lambda: hold(store, None, by="x", now=now())):
        with pytest.raises(IssueChanged, match="already being sent"):
            decide()
    assert not store.issues.approve(issue.id, by="x", now=now()), "a frozen issue stays frozen"
    assert store.issues.open().status == "sending"


def test_the_approve_and_hold_commands(clinic, tmp_path):
    config = tmp_path / "newsletter.toml"

    def run(*args, stdin=""):
        return subprocess.run([NEWSLETTER, *args, "--config", str(config)], input=stdin,
                              capture_output=True, text=True, env=clean_env(ENV))

    nothing = run("approve", "--yes")
    assert nothing.returncode == 1 and nothing.stderr.startswith("error: there is no open issue")
    build_next_issue(*clinic, now=now())
    declined = run("approve", stdin="n\n")
    assert declined.returncode == 1 and "Article number 2" in declined.stdout
    assert clinic[1].issues.open().status == "draft"
    held = run("hold", "--reason", "check the dates")
    assert held.returncode == 0 and "Held issue" in held.stdout
    approved = run("approve", "--as", "Dr. Glenn", stdin="y\n")
    assert approved.returncode == 0, approved.stderr
    assert "held: check the dates" in approved.stdout
    assert "Approved issue" in approved.stdout and "as Dr. Glenn" in approved.stdout
    assert clinic[1].issues.open().approved_by == "Dr. Glenn"
