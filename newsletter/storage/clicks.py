"""Clicks on the article links of sent issues, counted per issue and article.

A click adds one to its issue's and article's row, in the database (`clicks = clicks + 1`),
so clicks at the same moment never lose one. Nothing about who clicked is written: a row
has the issue, the article's place in it and a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import db

_T = db.clicks


def count_click(engine: Engine, issue_id: int, article: int) -> None:
    """One more click on article number `article` (from 1) of the issue."""
    for _ in range(2):
        try:
            with engine.begin() as conn:
                done = conn.execute(update(_T).where(_T.c.issue_id == issue_id,
                                                     _T.c.article == article)
                                    .values(clicks=_T.c.clicks + 1))
                if done.rowcount == 0:
                    conn.execute(insert(_T).values(issue_id=issue_id, article=article, clicks=1))
            return
        except IntegrityError:
            continue  # another click made the row first: the update adds to it now


def clicks_by_issue(engine: Engine, issue_ids: list[int]) -> dict[int, dict[int, int]]:
    """Per issue, the clicks of each article number that was clicked at all."""
    if not issue_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(_T).where(_T.c.issue_id.in_(issue_ids))).all()
    counts: dict[int, dict[int, int]] = {}
    for row in rows:
        counts.setdefault(row.issue_id, {})[row.article] = row.clicks
    return counts


@dataclass(frozen=True)
class ArticleClicks:
    number: int
    """Its place in the issue, from 1: what its links carry."""
    title: str
    url: str
    clicks: int


@dataclass(frozen=True)
class IssueClicks:
    issue_id: int
    slug: str
    subject: str
    sent_at: datetime | None
    articles: tuple[ArticleClicks, ...]

    @property
    def total(self) -> int:
        return sum(article.clicks for article in self.articles)


def issue_clicks(engine: Engine, issue_ids: list[int] | None = None, *, limit: int = 50
                 ) -> list[IssueClicks]:
    """The clicks of each article of these issues (by default the sent ones, newest first),
    in the order given, an article nobody clicked with 0."""
    i = db.issues
    query = select(i.c.id, i.c.slug, i.c.subject, i.c.sent_at, i.c.articles)
    if issue_ids is None:
        query = query.where(i.c.status == "sent").order_by(i.c.sent_at.desc()).limit(limit)
    else:
        query = query.where(i.c.id.in_(issue_ids))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    counts = clicks_by_issue(engine, [row.id for row in rows])
    found = {row.id: IssueClicks(
        row.id, row.slug, row.subject, row.sent_at,
        tuple(ArticleClicks(n, article["title"], article["url"], counts.get(row.id, {}).get(n, 0))
              for n, article in enumerate(row.articles, 1))) for row in rows}
    order = issue_ids if issue_ids is not None else [row.id for row in rows]
    return [found[issue_id] for issue_id in order if issue_id in found]
