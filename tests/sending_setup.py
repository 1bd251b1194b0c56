"""A clinic set up for sending in a temporary folder: config file, feed, database, subscribers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert

from newsletter.common.settings import Settings, load_settings
from newsletter.delivery.sending import SendOptions, SendReport, send_next_issue
from newsletter.mail.transport import SmtpTransport
from newsletter.storage import db
from newsletter.storage.store import Store

from . import database
from .helpers import item, rss

SECRET = "test-secret-key-0123456789abcdef"
ENV = {"NEWSLETTER_SECRET_KEY": SECRET}


def now() -> datetime:
    return datetime.now(timezone.utc)


def make_clinic(folder: Path, *, port: int | None = None, rate: float = 0, retries: int = 2,
                pause_after: int = 10, flood: int = 8, items: list[dict] | None = None,
                extra: str = "", outbox_delivers: bool = True,
                database_url: str | None = None) -> Path:
    """newsletter.toml (+ feed.xml) in `folder`; SMTP on 127.0.0.1:`port` if given. Without
    a port the outbox is the delivery (a send to it counts) unless `outbox_delivers` is
    False, which leaves the default: a rehearsal. The database is the test's (tests/
    database.py) unless `database_url` names another (a module's fixture has its own)."""
    (folder / "feed.xml").write_bytes(rss(items or [item(1, 20), item(2, 21)]))
    config = folder / "newsletter.toml"
    config.write_text(f"""
[feed]
source = "feed.xml"
[issue]
flood_threshold = {flood}
[store]
database_url = "{database_url or database.config_url()}"
outbox = "outbox"
{'outbox_delivers = true' if outbox_delivers else ''}
[smtp]
host = "{'127.0.0.1' if port else ''}"
port = {port or 587}
security = "none"
retries = {retries}
retry_wait_seconds = 0.01
rate_per_second = {rate}
pause_after_failures = {pause_after}
{extra}
""", encoding="utf-8")
    return config


def open_clinic(config: Path) -> tuple[Settings, Store]:
    settings = load_settings(config, env=ENV)
    return settings, Store.open(settings.database_url)


def add_subscribers(store: Store, people: list[tuple[str, str]], *, status: str = "active",
                    tags: list[str] | None = None) -> list[int]:
    at = now()
    rows = [dict(email=email, name=name, tags=tags or [], status=status, source="import",
                 created_at=at, updated_at=at) for email, name in people]
    with store.engine.begin() as conn:
        conn.execute(insert(db.subscribers), rows)
        emails = [email for email, _ in people]
        found = conn.execute(db.subscribers.select().where(db.subscribers.c.email.in_(emails)))
        return [row.id for row in found]


def numbered(count: int, start: int = 1) -> list[tuple[str, str]]:
    return [(f"reader{n:05d}@mail.example", f"Reader {n}") for n in range(start, start + count)]


def send(settings: Settings, store: Store, clock=now, **options) -> SendReport:
    """One send of the next issue through the configured SMTP server, as `newsletter send`
    does it; `options` are SendOptions."""
    transport = SmtpTransport.from_settings(settings)
    try:
        return send_next_issue(settings, store, transport, clock=clock,
                               options=SendOptions(**options))
    finally:
        transport.close()
