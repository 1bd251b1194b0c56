"""Posting an article to a network exactly once: the ledger row first, then the platform,
then its answer in the ledger. A row an interrupted run left "posting" is resolved by asking
the platform (its idempotency key, the record key, the page's recent posts) before anything
is posted again. One lock in the database keeps two processes from posting at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ...common.errors import NewsletterError, NotFound
from ...common.model import Article
from ...common.settings import Settings
from ..counting import PLATFORMS
from ..snippets import Snippet, compose
from ...storage.issues import StoredIssue
from ...storage.lock import Lock
from ...storage.posts import Posts
from ...storage.store import Store
from .accounts import client, missing, postable
from .http import PlatformUnavailable, PostRefused
from .images import fetch_picture
from .network import Network


class PostChanged(NewsletterError):
    """The post would not be the text staff saw (the issue was rebuilt meanwhile)."""


@dataclass(frozen=True)
class Outcome:
    platform: str
    article_id: str
    status: str
    """posted (now), found (an earlier interrupted run had posted it), already (the ledger
    says so: nothing asked), failed (refused), unsure (no sure answer: try again later)."""
    url: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("posted", "found", "already")


def text_hash(snippet: Snippet) -> str:
    """What identifies the post staff saw: its text, link and picture."""
    return hashlib.sha256("\n".join((snippet.text, snippet.link, snippet.image_url,
                                     snippet.image_alt)).encode()).hexdigest()


def snippet_for(settings: Settings, issue: StoredIssue, article_id: str,
                platform: str) -> tuple[Article, Snippet]:
    article = next((a for a in issue.articles if a.id == article_id), None)
    if article is None:
        raise NotFound(f"issue {issue.slug} has no article {article_id!r}")
    if platform not in PLATFORMS:
        raise NotFound(f"there is no platform {platform!r}")
    return article, compose(article, PLATFORMS[platform], clinic_name=settings.clinic.name,
                            language=settings.clinic.language)


def post_issue(settings: Settings, store: Store, issue: StoredIssue, *,
               clock: Callable[[], datetime], platforms: tuple[str, ...] | None = None,
               sleep: Callable[[float], None] | None = None) -> list[Outcome]:
    """Every article of `issue` on every network the clinic can post to (or `platforms`)."""
    outcomes = []
    with _posting_lock(store, clock) as lock:
        for name in platforms if platforms is not None else postable(settings):
            network = client(settings, name, clock=clock, sleep=sleep)
            try:
                for article in issue.articles:
                    outcomes.append(_post_once(settings, store, issue, article.id, network,
                                               clock=clock))
                    lock.heartbeat()  # a long run of waits is not a dead one
            finally:
                network.close()
    return outcomes


def post_article(settings: Settings, store: Store, issue: StoredIssue, article_id: str,
                 platform: str, *, clock: Callable[[], datetime], seen: str | None = None,
                 sleep: Callable[[float], None] | None = None) -> Outcome:
    """One article on one network, as staff asked from the preview; `seen` is the
    `text_hash` of the post as their page showed it."""
    if platform not in postable(settings):
        label = PLATFORMS[platform].label if platform in PLATFORMS else platform
        raise NotFound(f"{label} has no account set up here"
                       + (f": set {' and '.join(missing(platform))} in the environment"
                          if missing(platform) else ""),
                       hint="a network without an account is copied and pasted by hand")
    _, snippet = snippet_for(settings, issue, article_id, platform)
    if seen is not None and text_hash(snippet) != seen:
        raise PostChanged("the post changed since the page was shown: check it again",
                          hint="reload the preview")
    with _posting_lock(store, clock):
        network = client(settings, platform, clock=clock, sleep=sleep)
        try:
            return _post_once(settings, store, issue, article_id, network, clock=clock)
        finally:
            network.close()


def _post_once(settings: Settings, store: Store, issue: StoredIssue, article_id: str,
               network: Network, *, clock: Callable[[], datetime]) -> Outcome:
    article, snippet = snippet_for(settings, issue, article_id, network.name)
    ledger = Posts(store.engine)
    digest = text_hash(snippet)
    record, made = ledger.intend(article_id=article.id, platform=network.name,
                                 issue_id=issue.id, text_hash=digest,
                                 key=network.new_key(article.id), now=clock())
    if record.status == "posted":
        return Outcome(network.name, article.id, "already", record.url or "")
    key = record.key
    if not made and record.status == "posting":
        try:
            found = network.find(snippet, key)
        except (PostRefused, PlatformUnavailable) as error:  # maybe posted: stay "posting"
            ledger.unsure(record, str(error))
            return Outcome(network.name, article.id, "unsure", message=str(error))
        if found is not None:
            ledger.posted(record, post_id=found.post_id, url=found.url, now=clock())
            return Outcome(network.name, article.id, "found", found.url,
                           "an earlier run had posted it; now recorded")
    try:
        if not made:
            key = network.fresh_key(article.id, key)
            if record.status == "failed":
                ledger.retry(record, text_hash=digest, key=key, now=clock())
            elif key != record.key:
                ledger.rekey(record, key)
        picture, note = None, ""
        if network.takes_pictures and snippet.image_url:
            picture, note = fetch_picture(snippet.image_url, snippet.image_alt,
                                          timeout=settings.posting.timeout_seconds)
        posted = network.publish(snippet, article, key, picture)
    except PostRefused as error:
        ledger.failed(record, str(error))
        return Outcome(network.name, article.id, "failed", message=str(error))
    except PlatformUnavailable as error:
        ledger.unsure(record, str(error))
        return Outcome(network.name, article.id, "unsure",
                       message=error.told(settings.clinic.language))
    ledger.posted(record, post_id=posted.post_id, url=posted.url, now=clock())
    return Outcome(network.name, article.id, "posted", posted.url, note)


def _posting_lock(store: Store, clock: Callable[[], datetime]) -> Lock:
    return Lock(store.engine, "posting", purpose="posting to the networks", clock=clock,
                busy_hint="another post is under way; try again in a moment")
