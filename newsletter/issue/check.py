"""What the blog's address gives, and what the next issue would hold, without storing
anything: for `newsletter feed check` and for staff trying an address before they set it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..common.model import Selection
from ..common.settings import Settings
from ..feed.curate import curate
from ..feed.fetch import FetchResult, fetch, user_agent
from ..feed.reader import BlogReading, read_blog
from ..storage.store import Store


@dataclass(frozen=True)
class FeedCheck:
    reading: BlogReading
    selection: Selection
    first_run: bool


def check_blog(settings: Settings, address: str, *, now: datetime,
               fetcher: Callable[..., FetchResult] = fetch) -> FeedCheck:
    """Read `address` as a build would and choose the next issue's articles, taking what
    the database remembers if there is one; nothing is written."""
    store = _existing_store(settings)
    seen = store.seen_keys() if store else set()
    first_run = not store.has_history() if store else True
    reading = read_blog(address, fetcher=fetcher, timeout=settings.feed.timeout_seconds,
                        summary_chars=settings.issue.summary_chars,
                        max_pages=settings.feed.max_pages,
                        user_agent=user_agent(settings.clinic.website), known=seen,
                        recall=store.page_state if store else (lambda url: None))
    articles = reading.parsed.articles if reading.parsed else ()
    selection = curate(articles, seen=seen, first_run=first_run, now=now,
                       window_days=settings.issue.first_run_window_days,
                       cap=settings.issue.articles_per_issue,
                       flood_threshold=settings.issue.flood_threshold,
                       backlog_max_days=settings.issue.backlog_max_days)
    return FeedCheck(reading, selection, first_run)


def _existing_store(settings: Settings) -> Store | None:
    """The database if it is there already; a check never makes one."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    return Store.open(url)
