"""The records that flow through the pure core. Frozen, so no stage can change another's input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


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


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed said, plus what was odd about it (warnings, not failures)."""

    title: str
    link: str
    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """The outcome of curation: the articles for the next issue, or why there is none."""

    articles: tuple[Article, ...]
    held: bool = False
    warnings: tuple[str, ...] = ()
    baseline: tuple[Article, ...] = ()
    """Articles found on a first run outside its window: remembered as seen, never mailed."""


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
