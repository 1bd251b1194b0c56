"""The records that flow through the pure core. Frozen, so no stage can change another's input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .links import normalized_link

EVERGREEN_PREFIX = "evergreen:"
"""The id of an article from the clinic's evergreen list starts so (see feed/evergreen.py)."""


@dataclass(frozen=True)
class Image:
    """An image worth showing: an absolute http(s) URL and the text that stands for it."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Article:
    """One blog article, cleaned: every string here is plain text, never markup."""

    id: str
    title: str
    url: str
    summary: str
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    categories: tuple[str, ...] = ()
    image: Image | None = None
    reading_minutes: int = 1
    origin: str = "feed"
    """Where it came from: "feed" (RSS, Atom, JSON Feed), "page" (a blog without a feed) or
    "evergreen" (the clinic's own list, feed/evergreen.py)."""

    @property
    def keys(self) -> tuple[str, str]:
        """An article is remembered by its id and by its link, so a feed that changes one of
        the two (a new guid scheme, a tracking parameter) does not mail the article again."""
        return self.id, normalized_link(self.url)

    @property
    def evergreen(self) -> bool:
        """From the evergreen list: it may be mailed again, so it is never remembered as
        mailed the way a regular article is."""
        return self.id.startswith(EVERGREEN_PREFIX)


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed said, plus what was odd about it (warnings, not failures)."""

    title: str
    link: str
    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageState:
    """What is remembered of one article page of a blog read without a feed: its
    validators for a conditional GET, and the article it was read as."""

    url: str
    etag: str | None
    last_modified: str | None
    article: Article | None


@dataclass(frozen=True)
class Selection:
    """The outcome of curation: the articles for the next issue, or why there is none."""

    articles: tuple[Article, ...]
    held: bool = False
    warnings: tuple[str, ...] = ()
    baseline: tuple[Article, ...] = ()
    """Articles remembered as seen and never mailed: outside a first run's window, past the
    backlog age, or the older copy of a post published twice."""


@dataclass(frozen=True)
class Issue:
    """One newsletter: its articles and the words that sell it in the inbox."""

    slug: str
    """Names the issue in links, campaign tags and the archive."""
    day: date
    """The clinic's local date the issue was made, as its readers see it."""
    articles: tuple[Article, ...]
    subject: str
    preheader: str
    note: str = ""
    """Staff's words to readers above the articles (holiday hours, a new provider)."""


@dataclass(frozen=True)
class Recipient:
    """Who one message goes to."""

    id: int
    email: str
    name: str = ""


@dataclass(frozen=True)
class FeedRecord:
    """What is remembered of a feed between runs: where it is, its validators, its health."""

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
