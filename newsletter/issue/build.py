"""Build the next issue: fetch, parse, curate, render, and keep it as the open issue.

This is where the pure core meets its edges. Every command that needs "the next issue"
(build, preview, send, the schedule) comes through `build_next_issue`, so what staff preview
is what subscribers get.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..common.errors import FeedError
from ..common.i18n import Phrase
from ..common.model import Article, FeedRecord, Selection
from ..common.settings import Settings
from ..feed.curate import curate
from ..feed.fetch import FeedGone, FetchResult, fetch, user_agent
from ..feed.reader import BlogReading, read_blog
from ..storage.issues import IssueContent, StoredIssue
from ..storage.store import Store
from .render import RenderedIssue, plan_issue, render_issue, web_url_of

Fetcher = Callable[..., FetchResult]


@dataclass(frozen=True)
class BuildOutcome:
    """The open issue after this run, or None when there is nothing new to send."""

    issue: StoredIssue | None
    rendered: RenderedIssue | None
    warnings: tuple[str, ...]
    feed_url: str


Evergreen = Callable[[], Article | None]
"""Picks an evergreen article for a week with nothing new; None when none is left."""


def build_next_issue(settings: Settings, store: Store, *, now: datetime,
                     fetcher: Fetcher = fetch, subject: str | None = None,
                     preheader: str | None = None, evergreen: Evergreen | None = None,
                     feed: str | None = None, note: str | None = None) -> BuildOutcome:
    """The issue the next send would deliver, built afresh from the feed.

    `subject`, `preheader`: staff's wording, kept across rebuilds while the articles stay
    the same; "" goes back to the derived wording, None keeps what there is.
    `note`: staff's note to readers, kept across rebuilds until the issue is sent; None
    keeps it, "" removes it.
    `feed`: build from this feed (a URL or an absolute path) instead of the configured one.
    The issue remembers it, and later builds and sends (which pass no feed) keep using it
    until the issue is sent: a send must not quietly drop the issue staff built.

    An issue that is already being sent is never rebuilt: its subscribers must all get the
    same email, so a resumed send takes it exactly as it was. With nothing new and an
    `evergreen` picker, the issue is one evergreen article (the same one until it is sent,
    so an approval given to it holds).
    """
    current = store.issues.open()
    if current and current.status == "sending":
        return _frozen(current, settings)
    source = feed or (current.feed if current else None) or settings.feed_source
    own_feed = source if source != settings.feed_source else None
    record = store.feed(source)
    requested = record.url if record else source
    seen = store.seen_keys()
    reading = _read(settings, store, record, source, requested, fetcher, now, seen)
    result = reading.result
    warnings: list[str] = list(reading.notes)
    if result.moved_to:
        warnings.append(Phrase("the feed moved permanently to %(url)s; that address is used "
                               "from now on", url=result.moved_to))
    if reading.parsed is None:
        selection = _unchanged(current)
        warnings.append(Phrase("the feed has not changed since the last run"))
    else:
        selection = curate(reading.parsed.articles, seen=seen,
                           first_run=not store.has_history(), now=now,
                           window_days=settings.issue.first_run_window_days,
                           cap=settings.issue.articles_per_issue,
                           flood_threshold=settings.issue.flood_threshold,
                           backlog_max_days=settings.issue.backlog_max_days,
                           open_ids={a.id for a in current.articles} if current else ())
        warnings += reading.parsed.warnings
    warnings += selection.warnings
    if own_feed:
        warnings.append(Phrase("built from %(source)s, not from feed.source: builds and sends "
                               "keep using it until this issue is sent", source=source))
    if not selection.articles and evergreen is not None:
        selection = _evergreen_selection(current, evergreen, warnings)
    with store.transaction() as conn:
        store.save_feed_state(conn, source, url=reading.address, etag=result.etag,
                              last_modified=result.last_modified, now=now)
        store.save_pages(conn, reading.pages, now=now)
        store.remember_articles(conn, selection.baseline, issue_slug=None, now=now)
        sending = store.issues.being_sent(conn)  # a send may have begun while we fetched
        if sending is not None:
            return _frozen(sending, settings)
        if not selection.articles:
            store.issues.drop_open(conn)
            return BuildOutcome(None, None, tuple(warnings), result.url)
        issue_id = _save_issue(conn, store, settings, current, selection, tuple(warnings),
                               now=now, wording=Wording(subject, preheader, note),
                               feed=own_feed)
    saved = store.issues.by_id(issue_id)
    return BuildOutcome(saved, _rendered(saved, settings), saved.warnings, result.url)


def _read(settings: Settings, store: Store, record: FeedRecord | None, source: str,
          url: str, fetcher: Fetcher, now: datetime, seen: set[str]) -> BlogReading:
    """The blog, read from its feed (found from its page if need be) or from its pages."""
    if record and record.retired_at:
        raise FeedGone(f"{record.url}: the feed was retired on {record.retired_at:%Y-%m-%d} "
                       f"({record.retired_reason})",
                       hint="set feed.source to the blog's new feed address")
    try:
        return read_blog(url, fetcher=fetcher, etag=record.etag if record else None,
                         last_modified=record.last_modified if record else None,
                         timeout=settings.feed.timeout_seconds,
                         summary_chars=settings.issue.summary_chars,
                         max_pages=settings.feed.max_pages,
                         user_agent=user_agent(settings.clinic.website),
                         known=seen, recall=store.page_state)
    except FeedGone as error:
        store.save_feed(source, url=url, retired_at=now, retired_reason=str(error))
        raise
    except FeedError as error:
        _record_failure(store, source, url, error)
        raise


def _record_failure(store: Store, source: str, url: str, error: FeedError) -> None:
    record = store.feed(source)
    store.save_feed(source, url=url, last_error=str(error),
                    consecutive_failures=(record.consecutive_failures if record else 0) + 1)


def _evergreen_selection(current: StoredIssue | None, evergreen: Evergreen,
                         warnings: list[str]) -> Selection:
    if current and current.articles and all(a.evergreen for a in current.articles):
        return Selection(articles=current.articles, held=current.status == "held")
    article = evergreen()
    if article is None:
        warnings.append(Phrase("nothing new, and every evergreen article was already mailed"))
        return Selection(articles=())
    warnings.append(Phrase("nothing new: this issue is the evergreen article %(title)r",
                           title=article.title))
    return Selection(articles=(article,))


def _unchanged(current: StoredIssue | None) -> Selection:
    """A 304: the feed is as it was, so the open issue (if any) still stands."""
    if current is None:
        return Selection(articles=())
    return Selection(articles=current.articles, held=current.status == "held")


@dataclass(frozen=True)
class Wording:
    """What staff asked for this build; None keeps what the open issue has."""

    subject: str | None
    preheader: str | None
    note: str | None


def _save_issue(conn, store: Store, settings: Settings, current: StoredIssue | None,
                selection: Selection, warnings: tuple[str, ...], *, now: datetime,
                wording: Wording, feed: str | None) -> int:
    """Update the open issue in place when its articles are the same (keeping staff's
    approval and wording); otherwise the content changed and approval starts over. Staff's
    note is about the clinic, not the articles: it stays until the issue is sent."""
    subject, preheader = wording.subject, wording.preheader
    same = current is not None and _ids(current.articles) == _ids(selection.articles)
    keep_subject, keep_preheader = same and subject is None, same and preheader is None
    note = (current.note if current else "") if wording.note is None else wording.note.strip()
    subject_override = (current.subject_override if keep_subject else subject or "") \
        or settings.issue.subject
    preheader_override = (current.preheader_override if keep_preheader else preheader or "") \
        or settings.issue.preheader
    day = (current.created_at if same else now).astimezone(settings.zone).date()
    slug = current.slug if same else store.issues.free_slug(conn, day.isoformat())
    issue = plan_issue(selection.articles, slug=slug, day=day, clinic_name=settings.clinic.name,
                       subject=subject_override, preheader=preheader_override, note=note,
                       language=settings.clinic.language)
    rendered = render_issue(issue, settings.clinic, click_holes=settings.analytics.clicks)
    content = IssueContent(
        slug=slug, articles=selection.articles, subject=issue.subject,
        preheader=issue.preheader, subject_override=subject_override,
        preheader_override=preheader_override, html=rendered.html, text=rendered.text,
        warnings=warnings, note=note, feed=feed)
    if same:
        store.issues.revise(conn, current.id, content, now=now)
        return current.id
    held_reason = next((w for w in warnings if w.startswith("flood guard")),
                       "held by the flood guard") if selection.held else None
    return store.issues.replace_open(conn, content, held_reason=held_reason, now=now)


def _frozen(issue: StoredIssue, settings: Settings) -> BuildOutcome:
    return BuildOutcome(issue, _rendered(issue, settings), issue.warnings, settings.feed_source)


def _rendered(issue: StoredIssue, settings: Settings) -> RenderedIssue:
    return RenderedIssue(slug=issue.slug, subject=issue.subject, preheader=issue.preheader,
                         html=issue.html, text=issue.text,
                         web_url=web_url_of(settings.clinic, issue.slug))


def _ids(articles: tuple[Article, ...]) -> list[str]:
    return [a.id for a in articles]
