"""The posting ledger: one row per article and platform, so an article is posted to a
network once whatever crashes on the way.

The row is written ("posting", with the key that finds the post again) and committed before
the platform is asked, and completed ("posted", with the platform's id and address) right
after it answers. A row left "posting" by a killed process means "maybe posted": whoever
comes next asks the platform before posting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import db

STATUSES = ("posting", "posted", "failed")
"""posting: asked (or about to ask) the platform, answer not recorded. posted: the platform's
post id is recorded. failed: the platform refused it (its message in `error`)."""


@dataclass(frozen=True)
class PostRecord:
    id: int
    article_id: str
    platform: str
    issue_id: int
    text_hash: str
    key: str
    status: str
    post_id: str | None
    url: str | None
    error: str | None
    started_at: datetime
    posted_at: datetime | None


class Posts:
    def __init__(self, engine: Engine):
        self.engine = engine

    def find(self, article_id: str, platform: str) -> PostRecord | None:
        p = db.posts
        with self.engine.connect() as conn:
            row = conn.execute(select(p).where(p.c.article_id == article_id,
                                               p.c.platform == platform)).first()
        return db.record(PostRecord, row)

    def intend(self, *, article_id: str, platform: str, issue_id: int, text_hash: str,
               key: str, now: datetime) -> tuple[PostRecord, bool]:
        """The article's row for `platform`, made ("posting") if there is none; True if it
        was made now, False if an earlier attempt left it (then it is returned as it is)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(db.posts).values(
                    article_id=article_id, platform=platform, issue_id=issue_id,
                    text_hash=text_hash, key=key, status="posting", started_at=now))
            made = True
        except IntegrityError:
            made = False
        return self.find(article_id, platform), made

    def retry(self, record: PostRecord, *, text_hash: str, key: str, now: datetime) -> None:
        """A refused post asked again (staff fixed what was wrong): back to "posting"."""
        self._set(record.id, status="posting", text_hash=text_hash, key=key, error=None,
                  started_at=now)

    def rekey(self, record: PostRecord, key: str) -> None:
        """A new key, committed before the platform sees it (a resumed run finds it)."""
        self._set(record.id, key=key)

    def posted(self, record: PostRecord, *, post_id: str, url: str, now: datetime) -> None:
        self._set(record.id, status="posted", post_id=post_id, url=url, error=None,
                  posted_at=now)

    def failed(self, record: PostRecord, error: str) -> None:
        self._set(record.id, status="failed", error=error)

    def unsure(self, record: PostRecord, error: str) -> None:
        """The platform did not answer for sure: the row stays "posting", with the reason."""
        self._set(record.id, error=error)

    def of_issues(self, issue_ids: list[int]) -> dict[int, list[PostRecord]]:
        """Every post of these issues, by issue, platform by platform."""
        p = db.posts
        found: dict[int, list[PostRecord]] = {issue_id: [] for issue_id in issue_ids}
        if not issue_ids:
            return found
        with self.engine.connect() as conn:
            rows = conn.execute(select(p).where(p.c.issue_id.in_(issue_ids))
                                .order_by(p.c.platform, p.c.id)).all()
        for row in rows:
            found[row.issue_id].append(db.record(PostRecord, row))
        return found

    def _set(self, row_id: int, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(db.posts).where(db.posts.c.id == row_id).values(**values))
