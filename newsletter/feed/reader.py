"""Read a blog from whatever address staff give: a feed is parsed; a web page is searched
for its feed (its own feed links, then the places its platform keeps one); a blog with no
feed at all is read from its listing page and its article pages.

This is feed/'s one module besides fetch that makes requests, all through the `fetcher` it
is given: one at a time, each page's robots.txt obeyed, conditional GETs for the article
pages it has read before, at most `max_pages` article pages a run. Every failure is a
`FeedError` of one line, or a warning when the rest of the blog can still be read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from ..common.errors import FeedError
from ..common.i18n import Phrase, joined
from ..common.links import normalized_link, safe_url
from ..common.model import Article, PageState, ParsedFeed
from ..common.text import one_line
from .discover import feed_links, likely_feeds, parse_page, platform_of
from .fetch import ACCEPT_PAGE, FetchResult, Robots
from .pages import article_from_entry, article_from_page, json_ld_objects, listing_entries
from .parse import parse_feed

Fetcher = Callable[..., FetchResult]
Recall = Callable[[str], PageState | None]
MAX_FEEDS_TRIED = 3


@dataclass(frozen=True)
class BlogReading:
    """What was read, and what the caller should remember for the next run."""

    parsed: ParsedFeed | None
    """None when the address said 304 Not Modified."""
    result: FetchResult
    """The fetch whose validators belong to `address` (the feed's, when one was found)."""
    address: str
    """Where to read next time: the feed found on the page, else the address given."""
    found: str
    """"feed" (the address is a feed), "feed link" or "platform feed" (found from the page),
    "pages" (read without a feed), "unchanged" (304)."""
    notes: tuple[str, ...] = ()
    """What was found and what to do about it, for the person running the tool."""
    pages: tuple[PageState, ...] = ()
    """Article pages read this run, to remember for conditional GETs."""


def read_blog(address: str, *, fetcher: Fetcher, etag: str | None = None,
              last_modified: str | None = None, timeout: float = 10.0,
              summary_chars: int = 240, max_pages: int = 12, user_agent: str = "",
              known: Collection[str] = (), recall: Recall = lambda url: None) -> BlogReading:
    """`known` are the normalized links of articles already published: their pages are not
    read again. `recall` gives what an earlier run remembered of an article page."""
    options = {"timeout": timeout, "user_agent": user_agent} if user_agent else {"timeout": timeout}
    result = fetcher(address, etag=etag, last_modified=last_modified, **options)
    if result.not_modified:
        return BlogReading(None, result, result.moved_to or address, "unchanged")
    if not _is_html(result):
        return BlogReading(_parse(result, summary_chars), result, result.moved_to or address,
                           "feed")
    root = parse_page(result.body, result.content_type)
    page_url = _page_address(root, result.url)
    tried: list[str] = []
    for url in feed_links(root, page_url)[:MAX_FEEDS_TRIED]:
        found = _feed_at(url, fetcher, options, summary_chars, tried)
        if found:
            return _found(found, "feed link", Phrase("found the blog's feed in the page's "
                                                     "links: %(url)s", url=url))
    platform = platform_of(root, result.body)
    if page_url.startswith(("http://", "https://")):
        for url in likely_feeds(page_url, platform)[:MAX_FEEDS_TRIED]:
            found = _feed_at(url, fetcher, options, summary_chars, tried, quiet=True)
            if found:
                return _found(found, "platform feed",
                              Phrase("found the blog's %(platform)s feed at %(url)s",
                                     platform=platform, url=url) if platform else
                              Phrase("found the blog's usual feed at %(url)s", url=url))
    robots = Robots(fetcher, timeout=timeout, agent=user_agent or "clinic-newsletter")
    if not robots.allows(page_url):
        raise FeedError("%(address)s: the page links no feed, and its site's robots.txt asks "
                        "robots not to read its pages", address=address,
                        hint="ask the site's builder for the blog's feed address")
    parsed, pages = _read_pages(root, result, page_url, fetcher=fetcher, options=options,
                         robots=robots, summary_chars=summary_chars, max_pages=max_pages,
                         known=known, recall=recall)
    note = Phrase("no feed found (%(tried)s): read %(num)d article(s) from the blog's pages",
                  plural="no feed found (%(tried)s): read %(num)d article(s) from the blog's "
                  "pages", count=len(parsed.articles),
                  tried=joined(tried, "; ") if tried else Phrase("the page links none"))
    if platform:
        note = Phrase("%(note)s (%(platform)s site)", note=note, platform=platform)
    return BlogReading(parsed, result, result.moved_to or address, "pages", (note,), pages)


def _parse(result: FetchResult, summary_chars: int) -> ParsedFeed:
    return parse_feed(result.body, source=result.url, content_type=result.content_type,
                      summary_chars=summary_chars)


def _feed_at(url: str, fetcher: Fetcher, options: dict, summary_chars: int,
             tried: list[str], quiet: bool = False) -> tuple[FetchResult, ParsedFeed] | None:
    try:
        result = fetcher(url, **options)
        if result.body is None or _is_html(result):
            raise FeedError("%(url)s: not a feed", url=url)
        parsed = _parse(result, summary_chars)
    except FeedError as error:
        if not quiet:
            tried.append(Phrase("the linked feed failed: %(why)s", why=error.message))
        return None
    if not parsed.articles:
        if not quiet:
            tried.append(Phrase("the linked %(url)s has no articles", url=url))
        return None
    return result, parsed


def _found(found: tuple[FetchResult, ParsedFeed], how: str, note: str) -> BlogReading:
    result, parsed = found
    address = result.moved_to or result.url
    return BlogReading(parsed, result, address, how,
                       (Phrase("%(note)s; set feed.source to it to read it directly", note=note),))


def _read_pages(root, result: FetchResult, page_url: str, *, fetcher: Fetcher, options: dict,
                robots: Robots, summary_chars: int, max_pages: int, known: Collection[str],
                recall: Recall) -> tuple[ParsedFeed, tuple[PageState, ...]]:
    title = _site_title(root)
    entries = listing_entries(root, page_url)
    if entries is None:  # the page is one article
        article = article_from_page(root, result.body, page_url, summary_chars=summary_chars)
        return ParsedFeed(title=title, link=page_url, articles=(article,)), ()
    if not entries:
        raise FeedError("%(url)s: no feed, and no articles found on the page", url=result.url,
                        hint="give the address of the blog's page that lists its articles, "
                             "or of its RSS, Atom or JSON Feed")
    articles: list[Article] = []
    pages: list[PageState] = []
    warnings: list[str] = []
    unread = 0
    for entry in entries:
        key = normalized_link(entry.url)
        if key in known:
            articles.append(article_from_entry(entry, summary_chars=summary_chars))
            continue
        if len(pages) >= max_pages or not robots.allows(entry.url):
            unread += 1
            articles.append(article_from_entry(entry, summary_chars=summary_chars))
            continue
        remembered = recall(entry.url)
        try:
            page = fetcher(entry.url, etag=remembered.etag if remembered else None,
                           last_modified=remembered.last_modified if remembered else None,
                           accept=ACCEPT_PAGE, **options)
        except FeedError as error:
            warnings.append(Phrase("%(error)s; the listing's words for it are used",
                                   error=error.message))
            articles.append(article_from_entry(entry, summary_chars=summary_chars))
            continue
        if page.not_modified and remembered and remembered.article:
            article = remembered.article
        else:
            page_root = parse_page(page.body or b"", page.content_type)
            if page_root is None:
                article = article_from_entry(entry, summary_chars=summary_chars)
            else:
                article = article_from_page(page_root, page.body, page.url,
                                            summary_chars=summary_chars, entry=entry)
            article = replace(article, id=key)
        pages.append(PageState(entry.url, page.etag, page.last_modified, article))
        articles.append(article)
    if unread:
        warnings.append(Phrase("%(num)d article page(s) were not read this run (at most "
                               "%(most)d a run, or robots.txt asks not to): their listing's "
                               "words are used", plural="%(num)d article page(s) were not read "
                               "this run (at most %(most)d a run, or robots.txt asks not to): "
                               "their listing's words are used", count=unread, most=max_pages))
    return ParsedFeed(title=title, link=page_url, articles=tuple(articles),
                      warnings=tuple(warnings)), tuple(pages)


def _is_html(result: FetchResult) -> bool:
    kind = (result.content_type or "").lower()
    if "html" in kind:
        return True
    if any(k in kind for k in ("xml", "rss", "atom", "json")):
        return False
    head = (result.body or b"")[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or (
        b"<html" in head and b"<rss" not in head and b"<feed" not in head)


def _page_address(root, fetched_from: str) -> str:
    """A page read from the web is at its address; a saved page says where it lives in its
    canonical link or og:url, which its relative links resolve against."""
    if fetched_from.startswith(("http://", "https://")) or root is None:
        return fetched_from
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            url = safe_url(link.get("href"))
            if url:
                return url
    for meta in root.iter("meta"):
        if (meta.get("property") or "").lower() == "og:url" and safe_url(meta.get("content")):
            return meta.get("content").strip()
    return fetched_from


def _site_title(root) -> str:
    if root is None:
        return ""
    for meta in root.iter("meta"):
        if (meta.get("property") or "").lower() == "og:site_name" and meta.get("content"):
            return one_line(meta.get("content"))
    for item in json_ld_objects(root):
        if "WebSite" in str(item.get("@type")) and isinstance(item.get("name"), str):
            return one_line(item["name"])
    title = root.find(".//title")
    return one_line(title.text_content()) if title is not None else ""
