"""A clinic whose issue has two articles with pictures served by the fake platforms, and
whose environment holds an account on each fake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsletter.common.settings import Settings, load_settings
from newsletter.issue.build import build_next_issue
from newsletter.storage.issues import StoredIssue
from newsletter.storage.store import Store

from .helpers import item
from .sending_setup import ENV, make_clinic
from .platforms import FakeBluesky, FakeFacebook, FakeMastodon

ALT = "A physical therapist guiding a patient's knee through a stretch"


@dataclass
class Fakes:
    mastodon: FakeMastodon
    bluesky: FakeBluesky
    facebook: FakeFacebook


@dataclass
class Clinic:
    config: Path
    env: dict[str, str]
    settings: Settings
    store: Store
    issue: StoredIssue


class Waits:
    """The retry waits asked for, instead of sleeping through them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def account_env(fakes: Fakes, **override: str) -> dict[str, str]:
    return {**ENV,
            "NEWSLETTER_MASTODON_URL": fakes.mastodon.url(),
            "NEWSLETTER_MASTODON_TOKEN": FakeMastodon.TOKEN,
            "NEWSLETTER_BLUESKY_HANDLE": FakeBluesky.HANDLE,
            "NEWSLETTER_BLUESKY_APP_PASSWORD": FakeBluesky.PASSWORD,
            "NEWSLETTER_FACEBOOK_PAGE_ID": FakeFacebook.PAGE,
            "NEWSLETTER_FACEBOOK_PAGE_TOKEN": FakeFacebook.TOKEN, **override}


def make_posting_clinic(folder: Path, fakes: Fakes, *, sent: bool = False,
                        env: dict[str, str] | None = None) -> Clinic:
    picture = fakes.mastodon.url("/images/knee.jpg")
    items = [item(n, 20 + n, categories=("knee pain", "running"),
                  summary=f'<p>Knee pain after running, part {n}, and the exercises that ease '
                          f'it.</p><img src="{picture}" alt="{ALT}" width="1200" height="800">')
             for n in (1, 2)]
    config = make_clinic(folder, items=items, extra=f"""
[posting]
bluesky_pds_url = "{fakes.bluesky.url()}"
facebook_graph_url = "{fakes.facebook.url()}"
retries = 3
retry_wait_seconds = 0.01
""")
    env = env if env is not None else account_env(fakes)
    settings = load_settings(config, env=env)
    store = Store.open(settings.database_url)
    now = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
    issue = build_next_issue(settings, store, now=now).issue
    if sent:
        assert store.issues.freeze(issue, now=now)
        store.issues.complete(issue.id, now=now)
        issue = store.issues.by_id(issue.id)
    return Clinic(config, env, settings, store, issue)
