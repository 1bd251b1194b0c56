"""What the newsletter remembers between runs: its feed, the articles already published, its
issues (`store.issues`, see issues.py), the sends and the evergreen articles mailed.

Named queries over SQLAlchemy Core, no ORM on the hot paths. Methods that take `conn` run
inside the caller's transaction (`store.transaction()`); the others are one each.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from ..common.i18n import phrase_data, phrase_of
from ..common.model import Article, FeedAlert, FeedRecord, PageState
from . import database_file, db
from .issues import Issues, article_from_json, article_to_json, remember_articles


@dataclass(frozen=True)
class SendRun:
    id: int
    slug: str
    subject: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    sent: int
    failed: int
    skipped: int
    deferred: int
    seconds: float
    note: str | None
    """A Phrase when the send said it as one (see _stored_note)."""


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.issues = Issues(engine)

    @classmethod
    def open(cls, url: str) -> Store:
        return cls(db.connect(url))

    def check_intact(self) -> None:
        """Raise StoreError if the database file is damaged anywhere (reads all of it)."""
        database_file.check_intact(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for several of the methods that take `conn`: all or nothing."""
        with self.engine.begin() as conn:
            yield conn

    # --- the feed ---------------------------------------------------------------------

    def feed(self, source: str) -> FeedRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.feeds).where(db.feeds.c.source == source)).first()
        return db.record(FeedRecord, row)

    def save_feed(self, source: str, **values) -> None:
        with self.engine.begin() as conn:
            _upsert_feed(conn, source, values)

    def save_feed_state(self, conn, source: str, *, url: str, etag: str | None,
                        last_modified: str | None, now: datetime) -> None:
        """A successful fetch: remember where the feed lives now and its validators."""
        _upsert_feed(conn, source, dict(url=url, etag=etag, last_modified=last_modified,
                                        last_ok_at=now, consecutive_failures=0, last_error=None))

    def feed_alert(self, source: str) -> FeedAlert | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.feed_alerts)
                               .where(db.feed_alerts.c.source == source)).first()
        return db.record(FeedAlert, row)

    def open_feed_alert(self, source: str, *, failures: int, reason: str,
                        now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(db.feed_alerts).values(source=source, alerted_at=now,
                                                       failures=failures, reason=reason))

    def close_feed_alert(self, source: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.feed_alerts).where(db.feed_alerts.c.source == source))

    # --- article pages of a blog read without a feed -------------------------------------

    def page_state(self, url: str) -> PageState | None:
        p = db.article_pages
        with self.engine.connect() as conn:
            row = conn.execute(select(p).where(p.c.url == url)).first()
        if row is None:
            return None
        try:
            article = article_from_json(row.article) if row.article else None
        except (TypeError, ValueError, KeyError):
            article = None  # stored by another version in another shape: read the page again
        return PageState(row.url, row.etag, row.last_modified, article)

    def save_pages(self, conn, pages: tuple[PageState, ...], *, now: datetime) -> None:
        p = db.article_pages
        for page in pages:
            values = dict(etag=page.etag, last_modified=page.last_modified, read_at=now,
                          article=article_to_json(page.article) if page.article else None)
            if conn.execute(update(p).where(p.c.url == page.url).values(**values)).rowcount == 0:
                conn.execute(insert(p).values(url=page.url, **values))

    # --- articles already published -----------------------------------------------------

    def seen_keys(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(db.seen_articles.c.key)).scalars())

    def has_history(self) -> bool:
        """False before the first run: nothing seen, nothing sent."""
        with self.engine.connect() as conn:
            seen = conn.execute(select(func.count()).select_from(db.seen_articles)).scalar()
            sent = conn.execute(select(func.count()).select_from(db.issues)
                                .where(db.issues.c.status == "sent")).scalar()
        return bool(seen or sent)

    def remember_articles(self, conn, articles: tuple[Article, ...], *,
                          issue_slug: str | None, now: datetime) -> None:
        remember_articles(conn, articles, issue_slug=issue_slug, now=now)

    # --- sends ---------------------------------------------------------------------------

    def start_send_run(self, issue_id: int, *, now: datetime) -> int:
        with self.engine.begin() as conn:
            conn.execute(update(db.send_runs).where(db.send_runs.c.outcome == "running")
                         .values(outcome="interrupted"))  # a run that died without a word
            return _insert_run(conn, issue_id, now)

    def join_send_run(self, issue_id: int, *, now: datetime) -> int:
        """A worker's run beside the running one: the others' runs are not its to judge."""
        with self.engine.begin() as conn:
            return _insert_run(conn, issue_id, now)

    def finish_send_run(self, run_id: int, report, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(db.send_runs).where(db.send_runs.c.id == run_id).values(
                finished_at=now, outcome=report.outcome, sent=report.sent,
                failed=report.failed, skipped=report.skipped, deferred=report.deferred,
                seconds=report.seconds, note=_stored_note(report.note)))

    def recent_send_runs(self, limit: int = 20) -> list[SendRun]:
        """The last runs of `newsletter send`, newest first, with their issue's subject."""
        r, i = db.send_runs, db.issues
        with self.engine.connect() as conn:
            rows = conn.execute(select(r, i.c.slug, i.c.subject).join(i, i.c.id == r.c.issue_id)
                                .order_by(r.c.id.desc()).limit(limit)).all()
        return [dataclasses.replace(run, note=_note_of(run.note))
                for run in (db.record(SendRun, row) for row in rows)]

    # --- evergreen articles --------------------------------------------------------------

    def mailed_links(self) -> set[str]:
        """Normalized links of every article mailed in a regular issue."""
        s = db.seen_articles
        with self.engine.connect() as conn:
            return set(conn.execute(select(s.c.key).where(s.c.issue_slug.is_not(None)))
                       .scalars())

    def evergreen_last_sent(self) -> dict[str, datetime]:
        e = db.evergreen_sends
        with self.engine.connect() as conn:
            return dict(conn.execute(select(e.c.link, e.c.last_sent_at)).all())


def _stored_note(note: str) -> str | None:
    """A send run's note as its column keeps it: a Phrase as JSON, so that the sends page can
    say it in the clinic's language; plain text (an exception's words) as it is."""
    data = phrase_data(note) if note else None
    return json.dumps(data, ensure_ascii=False) if isinstance(data, dict) else data or None


def _note_of(stored: str | None) -> str | None:
    """What _stored_note kept, back as a Phrase (or text: notes stored before were text)."""
    if stored and stored.startswith('{"msgid"'):
        try:
            return phrase_of(json.loads(stored))
        except (ValueError, KeyError, TypeError):
            return stored
    return stored


def _insert_run(conn, issue_id: int, now: datetime) -> int:
    return conn.execute(insert(db.send_runs).values(
        issue_id=issue_id, started_at=now, outcome="running")).inserted_primary_key[0]


def _upsert_feed(conn, source: str, values: dict) -> None:
    found = conn.execute(select(db.feeds.c.source).where(db.feeds.c.source == source)).first()
    if found:
        conn.execute(update(db.feeds).where(db.feeds.c.source == source).values(**values))
    else:
        conn.execute(insert(db.feeds).values(**{"url": source, **values, "source": source}))
