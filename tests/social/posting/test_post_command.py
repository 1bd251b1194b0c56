"""`newsletter post` as a user runs it: each post in a line, nothing twice, one clear line
when it cannot."""

from __future__ import annotations

from ...helpers import run_cli
from ...posting_setup import account_env, make_posting_clinic


def test_post_prints_each_post_and_a_second_run_posts_nothing(tmp_path, fakes):
    clinic = make_posting_clinic(tmp_path, fakes, sent=True)
    first = run_cli("post", "--platform", "mastodon", "--config", str(clinic.config),
                    env=clinic.env)
    assert first.returncode == 0, first.stderr
    urls = [status["url"] for status in fakes.mastodon.posts]
    assert first.stdout.splitlines() == [
        f"mastodon: Article number {n}: {url}" for n, url in zip((2, 1), urls)]
    again = run_cli("post", "--config", str(clinic.config), env=clinic.env)
    assert again.returncode == 0 and len(fakes.mastodon.posts) == 2
    assert f"mastodon: Article number 2: already posted: {urls[0]}" in again.stdout
    assert len(fakes.bluesky.posts) == len(fakes.facebook.posts) == 2


def test_post_without_an_account_or_a_sent_issue_says_so_in_one_line(tmp_path, fakes):
    clinic = make_posting_clinic(tmp_path, fakes)
    unsent = run_cli("post", "--config", str(clinic.config), env=clinic.env)
    assert unsent.returncode == 1 and "Traceback" not in unsent.stderr
    assert unsent.stderr.startswith("error: no issue has been sent yet")
    env = account_env(fakes, NEWSLETTER_BLUESKY_APP_PASSWORD="")
    none = run_cli("post", "--platform", "bluesky", "--config", str(clinic.config), env=env)
    assert none.stderr.startswith("error: bluesky has no account set up here: set "
                                  "NEWSLETTER_BLUESKY_HANDLE and NEWSLETTER_BLUESKY_APP_PASSWORD")


def test_a_refused_post_is_a_line_and_exit_code_1(tmp_path, fakes):
    clinic = make_posting_clinic(tmp_path, fakes, sent=True)
    env = account_env(fakes, NEWSLETTER_FACEBOOK_PAGE_TOKEN="expired")
    result = run_cli("post", "--platform", "facebook", "--config", str(clinic.config), env=env)
    assert result.returncode == 1
    assert ("facebook: Article number 2: Facebook refused it: Invalid OAuth access token - "
            "Cannot parse access token") in result.stdout
    assert result.stderr.startswith("error: some posts were not made")
