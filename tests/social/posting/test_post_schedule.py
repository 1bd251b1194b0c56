"""The `action = "post"` schedule: it posts what patients got by email (the issue sent
last), never an issue not sent yet, and says in one line when it cannot."""

from __future__ import annotations

from newsletter.schedule.jobs import run_schedule
from newsletter.storage.run_log import RunLog

from ...posting_setup import account_env, make_posting_clinic

SCHEDULE = 'action = "post"\ncron = { day_of_week = "mon", hour = 10, minute = 0 }\n'


def schedule_in(folder, monkeypatch, env):
    (folder / "schedules").mkdir()
    (folder / "schedules" / "post.toml").write_text(SCHEDULE)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def last_note(clinic) -> str:
    return RunLog(clinic.store.engine).runs("post", limit=1)[0].note


def test_an_issue_not_sent_yet_is_not_posted(tmp_path, fakes, monkeypatch):
    clinic = make_posting_clinic(tmp_path, fakes)
    schedule_in(tmp_path, monkeypatch, clinic.env)
    assert run_schedule("post", str(clinic.config), str(tmp_path)) == "nothing new"
    assert last_note(clinic) == "no issue has been sent yet"
    assert fakes.mastodon.posts == fakes.bluesky.posts == fakes.facebook.posts == []


def test_the_sent_issue_goes_to_every_network_with_an_account(tmp_path, fakes, monkeypatch):
    env = account_env(fakes, NEWSLETTER_BLUESKY_HANDLE="")
    clinic = make_posting_clinic(tmp_path, fakes, sent=True, env=env)
    schedule_in(tmp_path, monkeypatch, env)
    assert run_schedule("post", str(clinic.config), str(tmp_path)) == "posted"
    assert last_note(clinic) == "4 posted"
    assert (len(fakes.mastodon.posts), len(fakes.bluesky.posts), len(fakes.facebook.posts)) \
        == (2, 0, 2)
    assert run_schedule("post", str(clinic.config), str(tmp_path)) == "posted"
    assert last_note(clinic) == "4 already"


def test_without_any_account_the_run_fails_in_one_line(tmp_path, fakes, monkeypatch):
    env = {key: value for key, value in account_env(fakes).items()
           if key in ("NEWSLETTER_SECRET_KEY",)}
    clinic = make_posting_clinic(tmp_path, fakes, sent=True, env=env)
    schedule_in(tmp_path, monkeypatch, env)
    for name in account_env(fakes):
        if name not in env:
            monkeypatch.delenv(name, raising=False)
    assert run_schedule("post", str(clinic.config), str(tmp_path)) == "failed"
    assert last_note(clinic).startswith("no network has an account set up")


def test_a_refusal_fails_the_run_with_the_platforms_message(tmp_path, fakes, monkeypatch):
    env = account_env(fakes, NEWSLETTER_MASTODON_TOKEN="revoked")
    clinic = make_posting_clinic(tmp_path, fakes, sent=True, env=env)
    schedule_in(tmp_path, monkeypatch, env)
    assert run_schedule("post", str(clinic.config), str(tmp_path)) == "failed"
    assert "mastodon: Mastodon refused it: The access token is invalid" in last_note(clinic)
    assert len(fakes.bluesky.posts) == len(fakes.facebook.posts) == 2
