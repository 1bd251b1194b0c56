"""Issues and the one way each moves through its life:

    draft ──approve──► approved ──freeze──► sending ──complete──► sent
      │  ◄──withdraw──┘   │                  (frozen: every subscriber
      └──hold──► held ◄───┘                   gets the same email)

An open issue (draft, held, approved) is rebuilt from the feed on every run and replaced
when its articles change; a held one is sent only once someone approves it; once a send
freezes it, its content never changes again; a sent one is the archive. Every change of
state is a method here, each a compare-and-set on the state it expects, so two processes
deciding at once cannot both win.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, update

from ..common.i18n import phrase_data, phrase_of
from ..common.links import normalized_link
from ..common.model import Article, Image
from . import db

OPEN_STATUSES = ("draft", "held", "approved", "sending")
WAITING_STATUSES = ("draft", "held", "approved")
"""Open and not yet frozen by a send: staff may still approve or hold it."""

_T = db.issues


@dataclass(frozen=True)
class IssueContent:
    """What a build makes of the feed: everything of an open issue but its state."""

    slug: str
    articles: tuple[Article, ...]
    subject: str
    preheader: str
    subject_override: str
    preheader_override: str
    html: str
    text: str
    warnings: tuple[str, ...]
    note: str
    """Staff's note to readers, shown above the articles (plain text, a little Markdown)."""
    feed: str | None
    """The feed a `build --feed` used; None: the configured feed."""

    def values(self) -> dict:
        """The columns of this content, as the table stores them."""
        return {**{f.name: getattr(self, f.name) for f in fields(IssueContent)},
                "articles": [article_to_json(a) for a in self.articles],
                "warnings": [phrase_data(w) for w in self.warnings]}


@dataclass(frozen=True)
class StoredIssue(IssueContent):
    """An issue as stored: its content, and where it is in its life."""

    id: int
    status: str
    held_reason: str | None
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None


class Issues:
    """The issues table. Methods that take `conn` run inside the caller's transaction (a
    build reads, decides and writes in one); the others are a transaction each."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # --- reading ---------------------------------------------------------------------------

    def open(self) -> StoredIssue | None:
        """The issue the next send delivers: the newest not yet sent."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.status.in_(OPEN_STATUSES))
                               .order_by(_T.c.id.desc())).first()
        return _issue(row) if row else None

    def by_slug(self, slug: str) -> StoredIssue | None:
        return self._where(_T.c.slug == slug)

    def by_id(self, issue_id: int) -> StoredIssue | None:
        return self._where(_T.c.id == issue_id)

    def sent(self, limit: int = 50) -> list[StoredIssue]:
        """The archive, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_T).where(_T.c.status == "sent")
                                .order_by(_T.c.sent_at.desc()).limit(limit)).all()
        return [_issue(row) for row in rows]

    def last_sent(self) -> StoredIssue | None:
        return next(iter(self.sent(limit=1)), None)

    def being_sent(self, conn) -> StoredIssue | None:
        """Read inside a transaction that has already written, so that (on SQLite, whose
        first write locks the database) no send can begin between this and the commit."""
        row = conn.execute(select(_T).where(_T.c.status == "sending")).first()
        return _issue(row) if row else None

    def _where(self, condition) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_T).where(condition)).first()
        return _issue(row) if row else None

    # --- the open issue, as builds make it -------------------------------------------------

    def free_slug(self, conn, wanted: str) -> str:
        """`wanted`, or `wanted-2`, `wanted-3`... if an issue already has it."""
        taken = set(conn.execute(select(_T.c.slug).where(_T.c.slug.like(f"{wanted}%")))
                    .scalars())
        slug, number = wanted, 2
        while slug in taken:
            slug, number = f"{wanted}-{number}", number + 1
        return slug

    def revise(self, conn, issue_id: int, content: IssueContent, *, now: datetime) -> None:
        """The same articles built again (new wording, a template change): the issue keeps
        its state, and staff's approval with it."""
        conn.execute(update(_T).where(_T.c.id == issue_id)
                     .values(**content.values(), updated_at=now))

    def replace_open(self, conn, content: IssueContent, *, held_reason: str | None,
                     now: datetime) -> int:
        """New articles make a new issue: the open one (never one being sent) goes, and the
        new one starts as a draft, or held when `held_reason` says why."""
        self.drop_open(conn)
        return conn.execute(insert(_T).values(
            **content.values(), status="held" if held_reason else "draft",
            held_reason=held_reason, created_at=now, updated_at=now)).inserted_primary_key[0]

    def drop_open(self, conn) -> None:
        """Forget an open issue whose content no longer holds; never one being sent."""
        conn.execute(delete(_T).where(_T.c.status.in_(WAITING_STATUSES)))

    # --- staff's decisions -----------------------------------------------------------------

    def approve(self, issue_id: int, *, by: str, now: datetime) -> bool:
        """Staff said yes to this content; a later change of content undoes it. False if
        the issue is no longer waiting (a send froze it, or it was rebuilt meanwhile)."""
        return self._move(issue_id, WAITING_STATUSES, status="approved", approved_by=by,
                          approved_at=now, updated_at=now)

    def hold(self, issue_id: int, *, reason: str, now: datetime) -> bool:
        """Nothing sends a held issue until staff approve it (an approval is undone)."""
        return self._move(issue_id, WAITING_STATUSES, status="held", held_reason=reason,
                          approved_by=None, approved_at=None, updated_at=now)

    def withdraw_approval(self, issue_id: int, *, now: datetime) -> bool:
        """The approved wording changed: what was approved is no longer what would go out."""
        return self._move(issue_id, ("approved",), status="draft", approved_by=None,
                          approved_at=None, updated_at=now)

    # --- sending -----------------------------------------------------------------------------

    def freeze(self, issue: StoredIssue, *, now: datetime) -> bool:
        """Mark `issue` "sending" if it is still what was read: same status, same content.
        From here on its content is frozen, so every subscriber gets the same. False when
        it changed meanwhile (a preview rebuilt it, staff held it): read it again."""
        unchanged = [_T.c.id == issue.id, _T.c.status == issue.status]
        if issue.status != "sending":
            unchanged += [_T.c.subject == issue.subject, _T.c.preheader == issue.preheader,
                          _T.c.html == issue.html, _T.c.text == issue.text]
        with self.engine.begin() as conn:
            frozen = conn.execute(update(_T).where(*unchanged).values(status="sending",
                                                                      updated_at=now))
        return frozen.rowcount == 1

    def complete(self, issue_id: int, *, now: datetime) -> None:
        """The issue went out: it joins the archive and its articles are never mailed again
        (an evergreen article may be, later: its sending is recorded apart)."""
        issue = self.by_id(issue_id)
        with self.engine.begin() as conn:
            conn.execute(update(_T).where(_T.c.id == issue_id).values(
                status="sent", sent_at=now, updated_at=now))
            remember_articles(conn, tuple(a for a in issue.articles if not a.evergreen),
                              issue_slug=issue.slug, now=now)
            for article in issue.articles:
                if article.evergreen:
                    _record_evergreen_send(conn, normalized_link(article.url), issue.slug, now)

    def _move(self, issue_id: int, expected: tuple[str, ...], **values) -> bool:
        with self.engine.begin() as conn:
            moved = conn.execute(update(_T).where(_T.c.id == issue_id,
                                                  _T.c.status.in_(expected)).values(**values))
        return moved.rowcount == 1


def remember_articles(conn, articles: tuple[Article, ...], *, issue_slug: str | None,
                      now: datetime) -> None:
    """Never mail these again: each is remembered by its id and by its link."""
    s = db.seen_articles
    keyed = {key: article for article in articles for key in article.keys}
    existing = set(conn.execute(select(s.c.key).where(s.c.key.in_(keyed))).scalars()) \
        if keyed else set()
    rows = [{"key": key, "article_id": article.id, "title": article.title,
             "issue_slug": issue_slug, "seen_at": now}
            for key, article in keyed.items() if key not in existing]
    if rows:
        conn.execute(insert(s), rows)


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
    values["warnings"] = tuple(phrase_of(w) for w in values["warnings"])
    return StoredIssue(**values)
