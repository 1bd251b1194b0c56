"""Feed bytes to frozen `Article` records, with warnings for what was odd but readable.

feedparser gets bytes, never a URL (its own fetching has no timeout). A feed it flags as
ill-formed but that still yields entries is a warning; something that is not a feed at all
is a `FeedError` naming the source and what it looks like instead.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

import feedparser
import lxml.etree

from ..common.errors import FeedError
from ..common.links import normalized_link, safe_url
from ..common.model import Article, Image, ParsedFeed
from ..common.text import cut, html_to_text, one_line
from .images import image_in_html, with_alt
from .summarize import reading_minutes, summary_of

MEDIA_NS = "http://search.yahoo.com/mrss/"
TITLE_LIMIT = 200
MAX_CATEGORIES = 10


def parse_feed(body: bytes, *, source: str, content_type: str | None = None,
               summary_chars: int = 240) -> ParsedFeed:
    """`source` is the feed's address: it names the feed in messages and resolves links."""
    parsed = _feedparser(body, content_type, "")
    if parsed.get("version", "").startswith("atom") and _is_web(source):
        parsed = _feedparser(body, content_type, source)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(f"{source}: not a feed: {_what_it_is(body, parsed)}",
                        hint="point feed.source at the RSS or Atom address of the blog")
    warnings: list[str] = []
    if parsed.bozo and not isinstance(parsed.bozo_exception, feedparser.NonXMLContentType):
        warnings.append(f"the feed is not well-formed ({_reason(parsed.bozo_exception)}); "
                        f"{len(parsed.entries)} article(s) were still read")
    feed_link = safe_url(parsed.feed.get("link"), source if _is_web(source) else "") or ""
    base = feed_link or (source if _is_web(source) else "")
    articles: list[Article] = []
    seen_ids: set[str] = set()
    media_words = _media_descriptions(body, len(parsed.entries))
    for position, (entry, alt) in enumerate(zip(parsed.entries, media_words), start=1):
        article = _article(entry, alt, base, summary_chars, warnings, position)
        if article is None:
            continue
        if article.id in seen_ids:
            warnings.append(f"article {position} ({article.title!r}) repeats the id of an "
                            "earlier one and was left out")
            continue
        seen_ids.add(article.id)
        articles.append(article)
    return ParsedFeed(title=one_line(html_to_text(parsed.feed.get("title", ""))),
                      link=feed_link, articles=tuple(articles), warnings=tuple(warnings))


def _feedparser(body: bytes, content_type: str | None, location: str):
    """Relative addresses in Atom resolve against the document's own address (RFC 4287), so
    only Atom is told it; RSS has no such rule, and its links resolve against the channel
    link, which can live on another host than the feed.

    feedparser's own HTML sanitizing and link rewriting inside content are off: content is
    reduced to text here and never shown as markup, and the only addresses taken from it
    (images) are resolved where they are taken. That is over half of feedparser's time."""
    return feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False,
                            response_headers={"content-location": location,
                                              "content-type": content_type or "application/xml"})


def _article(entry, media_alt: str, base: str, summary_chars: int, warnings: list[str],
             position: int) -> Article | None:
    title = cut(one_line(html_to_text(entry.get("title", ""))), TITLE_LIMIT)
    url = safe_url(entry.get("link"), base)
    name = repr(title) if title else f"number {position}"
    if not url:
        warnings.append(f"article {name} has no usable web address "
                        f"({entry.get('link') or 'none given'!s:.80}) and was left out")
        return None
    content, teaser = _body_and_teaser(entry, media_alt)
    text = html_to_text(content)
    published = _date(entry, "published") or _date(entry, "updated")
    if published is None:
        raw = dict.get(entry, "published") or dict.get(entry, "updated")
        if raw:
            warnings.append(f"article {name} has a date that cannot be read: {raw!r:.60}")
    image = with_alt(_lead_image(entry, content, _content_base(entry, url), media_alt),
                     title or "Article image")
    return Article(
        id=_stable_id(entry, url, title, content),
        title=title or "Untitled article",
        url=url,
        summary=summary_of(text, html_to_text(teaser), summary_chars),
        published=published,
        updated=_date(entry, "updated"),
        author=cut(one_line(html_to_text(entry.get("author", ""))), 80),
        categories=_categories(entry),
        image=image,
        reading_minutes=reading_minutes(text),
    )


def _content_base(entry, article_url: str) -> str:
    """Where relative addresses inside the content point from: the content's xml:base when
    the feed gives one, else the article's own page."""
    for content in entry.get("content", []):
        if "html" in content.get("type", "") and content.get("base"):
            return safe_url(content["base"], article_url) or article_url
    return article_url


def _body_and_teaser(entry, media_alt: str) -> tuple[str, str]:
    """The article's HTML (content:encoded, Atom content) and the author's teaser.

    feedparser files <description> and <media:description> under `summary` and plain-text
    `content` in whichever order they come, so the image's words are told apart by value: by
    their text, since feedparser keeps line breaks and escapes that the alt text has lost.
    """
    html = [c["value"] for c in entry.get("content", [])
            if c.get("value") and "html" in c.get("type", "")]
    texts = [entry.get("summary", "")] + [c["value"] for c in entry.get("content", [])
                                          if c.get("type") == "text/plain"]
    teaser = next((t for t in texts if t and _words(t) != media_alt), "")
    if html:
        return max(html, key=len), teaser
    return teaser, ""


def _words(html: str) -> str:
    return " ".join(html_to_text(html).split())


def _media_descriptions(body: bytes, count: int) -> list[str]:
    """The text of each entry's media:description, read straight from the XML (entities
    never resolved, nothing fetched). Blank for all when the entries cannot be matched up."""
    blank = [""] * count
    try:
        parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        root = lxml.etree.fromstring(body, parser)
    except (lxml.etree.LxmlError, ValueError):
        return blank
    if root is None:
        return blank
    items = [e for e in root.iter() if isinstance(e.tag, str)
             and lxml.etree.QName(e).localname in ("item", "entry")]
    if len(items) != count:
        return blank
    found = []
    for item in items:
        words = item.findtext(f".//{{{MEDIA_NS}}}description") or \
            item.findtext(f".//{{{MEDIA_NS}}}title") or ""
        found.append(" ".join(words.split()))
    return found


def _lead_image(entry, content: str, base: str, media_alt: str) -> Image | None:
    for media in entry.get("media_content", []):
        medium, kind = media.get("medium", ""), media.get("type", "")
        if medium == "image" or kind.startswith("image/") or (
                not medium and not kind and _looks_like_image(media.get("url", ""))):
            url = safe_url(media.get("url"), base)
            if url:
                return Image(url, one_line(media_alt), _int(media.get("width")),
                             _int(media.get("height")))
    for thumbnail in entry.get("media_thumbnail", []):
        url = safe_url(thumbnail.get("url"), base)
        if url:
            return Image(url, one_line(media_alt), _int(thumbnail.get("width")),
                         _int(thumbnail.get("height")))
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/"):
            url = safe_url(link.get("href"), base)
            if url:
                return Image(url, "")
    return image_in_html(content, base)


def _looks_like_image(url: str) -> bool:
    return bool(re.search(r"\.(jpe?g|png|gif|webp)(\?|$)", url, re.I))


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _date(entry, key: str) -> datetime | None:
    # dict.get: FeedParserDict.get("updated_parsed") quietly answers with the published date.
    parsed = dict.get(entry, f"{key}_parsed")
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def _categories(entry) -> tuple[str, ...]:
    names: list[str] = []
    for tag in entry.get("tags", []):
        name = cut(one_line(html_to_text(tag.get("term") or tag.get("label") or "")), 50)
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return tuple(names[:MAX_CATEGORIES])


def _stable_id(entry, url: str, title: str, content: str) -> str:
    """guid, else the normalized link, else a hash of what the article says: whatever stays
    put when the clinic fixes a typo."""
    guid = one_line(entry.get("id", ""))
    if guid:
        return guid[:500]
    if entry.get("link"):
        return normalized_link(url)
    return "sha256:" + hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()


def _is_web(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _reason(exception) -> str:
    text = one_line(str(exception)) or type(exception).__name__
    return text[:120]


def _what_it_is(body: bytes, parsed) -> str:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not body.strip():
        return "the body is empty"
    if b"\x00" in body[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "the body is binary data"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]:
        return "it is an HTML web page, not RSS or Atom (look for the blog's feed link)"
    if head.startswith((b"{", b"[")):
        return "it is JSON (JSON Feed is not supported; use the blog's RSS or Atom feed)"
    return f"neither RSS nor Atom ({_reason(parsed.get('bozo_exception', 'unknown format'))})"
