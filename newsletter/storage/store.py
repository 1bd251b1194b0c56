"""What the newsletter remembers between runs about its feed, its articles and its issues.

The one open issue (not yet sent) is rebuilt on every run; once sent it is the archive.
An issue's articles count as mailed only when the issue is marked sent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select, update

from ..common.links import normalized_link
from ..common.model import Article, Image
from ..feed.curate import keys_of
from ..feed.evergreen import is_evergreen
from . import db

OPEN_STATUSES = ("draft", "held", "approved", "sending")
WAITING_STATUSES = ("draft", "held", "approved")
"""Open and not yet frozen by a send: staff may still approve or hold it."""


@dataclass(frozen=True)
class FeedRecord:
    source: str
    url: str
    etag: str | None
    last_modified: str | None
    retired_at: datetime | None
    retired_reason: str | None
    consecutive_failures: int
    last_error: str | None
    last_ok_at: datetime | None


@dataclass(frozen=True)
class FeedAlert:
    """Staff were told the feed fails; cleared (and staff told) when it works again."""

    source: str
    alerted_at: datetime
    failures: int
    reason: str


@dataclass(frozen=True)
class StoredIssue:
    id: int
    slug: str
    status: str
    articles: tuple[Article, ...]
    subject: str
    preheader: str
    subject_override: str
    preheader_override: str
    html: str
    text: str
    warnings: tuple[str, ...]
    held_reason: str | None
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None


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


class Store:
    """A thin layer of named queries over SQLAlchemy Core; no ORM on the hot paths."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        return cls(db.connect(url))

    # --- the feed ---------------------------------------------------------------------

    def feed(self, source: str) -> FeedRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.feeds).where(db.feeds.c.source == source)).first()
        return FeedRecord(**{k: row._mapping[k] for k in FeedRecord.__dataclass_fields__}) \
            if row else None

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
        return FeedAlert(**row._mapping) if row else None

    def open_feed_alert(self, source: str, *, failures: int, reason: str,
                        now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(db.feed_alerts).values(source=source, alerted_at=now,
                                                       failures=failures, reason=reason))

    def close_feed_alert(self, source: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.feed_alerts).where(db.feed_alerts.c.source == source))

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
        """Never mail these again: each is remembered by its id and by its link."""
        keyed = {key: article for article in articles for key in keys_of(article)}
        existing = set(conn.execute(select(db.seen_articles.c.key).where(
            db.seen_articles.c.key.in_(keyed))).scalars()) if keyed else set()
        rows = [{"key": key, "article_id": article.id, "title": article.title,
                 "issue_slug": issue_slug, "seen_at": now}
                for key, article in keyed.items() if key not in existing]
        if rows:
            conn.execute(insert(db.seen_articles), rows)

    # --- issues --------------------------------------------------------------------------

    def open_issue(self) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.issues).where(db.issues.c.status.in_(OPEN_STATUSES))
                               .order_by(db.issues.c.id.desc())).first()
        return _issue(row) if row else None

    def issue(self, slug: str) -> StoredIssue | None:
        return self._issue_where(db.issues.c.slug == slug)

    def issue_by_id(self, issue_id: int) -> StoredIssue | None:
        return self._issue_where(db.issues.c.id == issue_id)

    def _issue_where(self, condition) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.issues).where(condition)).first()
        return _issue(row) if row else None

    def sent_issues(self, limit: int = 50) -> list[StoredIssue]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.issues).where(db.issues.c.status == "sent")
                                .order_by(db.issues.c.sent_at.desc()).limit(limit)).all()
        return [_issue(row) for row in rows]

    def free_slug(self, conn, wanted: str) -> str:
        taken = set(conn.execute(select(db.issues.c.slug)
                                 .where(db.issues.c.slug.like(f"{wanted}%"))).scalars())
        slug, number = wanted, 2
        while slug in taken:
            slug, number = f"{wanted}-{number}", number + 1
        return slug

    def approve_issue(self, issue_id: int, *, by: str, now: datetime) -> bool:
        """Staff said yes to this content; a later change of content undoes it. False if
        the issue is no longer waiting (a send froze it, or it was rebuilt meanwhile)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(db.issues).where(
                db.issues.c.id == issue_id, db.issues.c.status.in_(WAITING_STATUSES)).values(
                status="approved", approved_by=by, approved_at=now, updated_at=now))
        return done.rowcount == 1

    def hold_issue(self, issue_id: int, *, reason: str, now: datetime) -> bool:
        """Nothing sends a held issue until staff approve it (an approval is undone)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(db.issues).where(
                db.issues.c.id == issue_id, db.issues.c.status.in_(WAITING_STATUSES)).values(
                status="held", held_reason=reason, approved_by=None, approved_at=None,
                updated_at=now))
        return done.rowcount == 1

    def withdraw_approval(self, issue_id: int, *, now: datetime) -> None:
        """The approved wording changed: what was approved is no longer what would go out."""
        with self.engine.begin() as conn:
            conn.execute(update(db.issues).where(db.issues.c.id == issue_id,
                                                 db.issues.c.status == "approved").values(
                status="draft", approved_by=None, approved_at=None, updated_at=now))

    def complete_issue(self, issue_id: int, *, now: datetime) -> None:
        """The issue went out: it joins the archive and its articles are never mailed again
        (an evergreen article may be, later: its sending is recorded apart)."""
        issue = self.issue_by_id(issue_id)
        regular = tuple(a for a in issue.articles if not is_evergreen(a))
        with self.engine.begin() as conn:
            conn.execute(update(db.issues).where(db.issues.c.id == issue_id).values(
                status="sent", sent_at=now, updated_at=now))
            self.remember_articles(conn, regular, issue_slug=issue.slug, now=now)
            for article in issue.articles:
                if is_evergreen(article):
                    _record_evergreen_send(conn, normalized_link(article.url), issue.slug, now)

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

    def freeze_for_sending(self, issue: StoredIssue, *, now: datetime) -> bool:
        """Mark `issue` "sending" if it is still what was read: same status, same content.
        From here on its content is frozen, so every subscriber gets the same. False when
        it changed meanwhile (a preview rebuilt it, staff held it): read it again."""
        i = db.issues.c
        unchanged = [i.id == issue.id, i.status == issue.status]
        if issue.status != "sending":
            unchanged += [i.subject == issue.subject, i.preheader == issue.preheader,
                          i.html == issue.html, i.text == issue.text]
        with self.engine.begin() as conn:
            frozen = conn.execute(update(db.issues).where(*unchanged).values(
                status="sending", updated_at=now))
        return frozen.rowcount == 1

    def start_send_run(self, issue_id: int, *, now: datetime) -> int:
        with self.engine.begin() as conn:
            conn.execute(update(db.send_runs).where(db.send_runs.c.outcome == "running")
                         .values(outcome="interrupted"))  # a run that died without a word
            return conn.execute(insert(db.send_runs).values(
                issue_id=issue_id, started_at=now, outcome="running")).inserted_primary_key[0]

    def finish_send_run(self, run_id: int, report, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(db.send_runs).where(db.send_runs.c.id == run_id).values(
                finished_at=now, outcome=report.outcome, sent=report.sent,
                failed=report.failed, skipped=report.skipped, deferred=report.deferred,
                seconds=report.seconds, note=report.note or None))

    def recent_send_runs(self, limit: int = 20) -> list[SendRun]:
        """The last runs of `newsletter send`, newest first, with their issue's subject."""
        r, i = db.send_runs, db.issues
        with self.engine.connect() as conn:
            rows = conn.execute(select(r, i.c.slug, i.c.subject).join(i, i.c.id == r.c.issue_id)
                                .order_by(r.c.id.desc()).limit(limit)).all()
        return [SendRun(**{k: row._mapping[k] for k in SendRun.__dataclass_fields__})
                for row in rows]

    def issue_being_sent(self, conn) -> StoredIssue | None:
        """Read inside a transaction that has already written, so that (on SQLite, whose
        first write locks the database) no send can begin between this and the commit."""
        row = conn.execute(select(db.issues).where(db.issues.c.status == "sending")).first()
        return _issue(row) if row else None

    def drop_open_issue(self, conn) -> None:
        """Forget an open issue whose content no longer holds; never one being sent."""
        conn.execute(delete(db.issues).where(db.issues.c.status.in_(WAITING_STATUSES)))


def _upsert_feed(conn, source: str, values: dict) -> None:
    found = conn.execute(select(db.feeds.c.source).where(db.feeds.c.source == source)).first()
    if found:
        conn.execute(update(db.feeds).where(db.feeds.c.source == source).values(**values))
    else:
        conn.execute(insert(db.feeds).values(**{"url": source, **values, "source": source}))


def _record_evergreen_send(conn, link: str, slug: str, now: datetime) -> None:
    e = db.evergreen_sends
    done = conn.execute(update(e).where(e.c.link == link).values(
        last_sent_at=now, issue_slug=slug, times=e.c.times + 1))
    if done.rowcount == 0:
        conn.execute(insert(e).values(link=link, last_sent_at=now, issue_slug=slug, times=1))


def article_to_json(article: Article) -> dict:
    data = asdict(article)
    for key in ("published", "updated"):
        data[key] = data[key].isoformat() if data[key] else None
    data["categories"] = list(article.categories)
    return data


def article_from_json(data: dict) -> Article:
    image = data.get("image")
    return Article(**{**data,
                      "published": _when(data.get("published")),
                      "updated": _when(data.get("updated")),
                      "categories": tuple(data.get("categories", ())),
                      "image": Image(**image) if image else None})


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _issue(row) -> StoredIssue:
    values = dict(row._mapping)
    values.pop("updated_at")
    values["articles"] = tuple(article_from_json(a) for a in values["articles"])
    values["warnings"] = tuple(values["warnings"])
    return StoredIssue(**values)
