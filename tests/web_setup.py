"""A clinic's web app in a temporary folder, driven through Flask's test client: a real
database (the test's, tests/database.py), a real feed file, and a real transport (the
outbox folder, or aiosmtpd)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from newsletter.audience.subscribers import Subscribers
from newsletter.common.settings import Settings, load_settings
from newsletter.mail.transport import Transport, transport_for
from newsletter.storage.store import Store
from newsletter.web import create_app

from .sending_setup import ENV, make_clinic

BASE_URL = "http://clinic.test/newsletter"


class Clock:
    """The one clock the app reads; tests move it."""

    def __init__(self, at: datetime = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@dataclass
class Site:
    app: Flask
    client: FlaskClient
    settings: Settings
    store: Store
    subscribers: Subscribers
    clock: Clock
    folder: Path

    def new_client(self) -> FlaskClient:
        """Another browser: no cookies, no session."""
        return self.app.test_client()


def make_site(folder: Path, *, password: str = "", smtp_port: int | None = None,
              items: list[dict] | None = None, flood: int = 8, exposed: bool = False,
              transport: Transport | None = None, extra: str = "",
              env: dict[str, str] | None = None) -> Site:
    config = make_clinic(folder, port=smtp_port, items=items, flood=flood,
                         extra=f'[clinic]\npublic_base_url = "{BASE_URL}"\n{extra}')
    env = {**ENV, **(env or {}), **({"NEWSLETTER_STAFF_PASSWORD": password} if password else {})}
    settings = load_settings(config, env=env)
    store = Store.open(settings.database_url)
    clock = Clock()
    app = create_app(settings, store=store, transport=transport or transport_for(settings),
                     clock=clock, exposed=exposed)
    app.config["TESTING"] = True
    return Site(app, app.test_client(), settings, store, Subscribers(store.engine), clock,
                folder)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def form_token(client: FlaskClient, path: str, **kwargs) -> str:
    """The CSRF token of the form on `path`, as a browser would get it by opening the page."""
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def add_person(site: Site, email: str, name: str = "", status: str = "active") -> int:
    return site.subscribers.add(email, name=name, source="cli", now=site.clock(),
                                status=status).id
