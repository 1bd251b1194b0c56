"""JSON Feed (jsonfeed.org, 1.0 and 1.1) read into the shape feedparser gives RSS and Atom,
so that one path turns every kind of feed into articles. feedparser 6.0 reads no JSON.
Pure: bytes in, feedparser-shaped dictionaries out."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from feedparser import FeedParserDict

from ..common.errors import FeedError

VERSION = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")


def looks_like_json_feed(body: bytes, content_type: str | None) -> bool:
    """JSON by its first character; served as JSON, or naming jsonfeed.org early on."""
    if not body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    return "json" in (content_type or "").lower() or b"jsonfeed.org" in body[:4096]


def read_json_feed(body: bytes, source: str) -> FeedParserDict:
    """`{"version": ..., "feed": ..., "entries": [...]}` as feedparser would say it."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedError("%(source)s: not a feed: it looks like JSON but cannot be read "
                        "(%(why)s)", source=source, why=str(error)[:80]) from None
    if not isinstance(data, dict) or not VERSION.match(str(data.get("version", ""))):
        raise FeedError("%(source)s: not a feed: JSON without a JSON Feed version "
                        "(https://jsonfeed.org/version/1.1)", source=source,
                        hint="point feed.source at the blog's RSS, Atom or JSON Feed address")
    items = _list(data.get("items"))
    feed_authors = _authors(data)
    return FeedParserDict(
        version="json1", bozo=False, bozo_exception=None,
        feed=FeedParserDict(title=_text(data.get("title")), link=_text(data.get("home_page_url")),
                            links=[FeedParserDict(rel="self", href=_text(data.get("feed_url")))]),
        entries=[_entry(item, feed_authors) for item in items if isinstance(item, dict)])


def _entry(item: dict, feed_authors: list[str]) -> FeedParserDict:
    content = []
    if item.get("content_html"):
        content.append(FeedParserDict(value=_text(item["content_html"]), type="text/html"))
    if item.get("content_text"):
        content.append(FeedParserDict(value=_text(item["content_text"]), type="text/plain"))
    entry = FeedParserDict(id=_text(item.get("id")), link=_text(item.get("url")),
                           title=_text(item.get("title")), summary=_text(item.get("summary")),
                           content=content,
                           tags=[FeedParserDict(term=t) for t in _list(item.get("tags"))
                                 if isinstance(t, str) and ":" not in t and "=" not in t])
    authors = _authors(item) or feed_authors
    if authors:
        entry["author"] = ", ".join(authors)
    for key, name in (("date_published", "published"), ("date_modified", "updated")):
        parsed = _date(item.get(key))
        if parsed:
            entry[name] = _text(item.get(key))
            entry[f"{name}_parsed"] = parsed.utctimetuple()
    images = [_text(item.get(k)) for k in ("image", "banner_image") if item.get(k)]
    images += [_text(a.get("url")) for a in _list(item.get("attachments"))
               if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")]
    if images:
        entry["media_content"] = [FeedParserDict(url=url, medium="image") for url in images]
    return entry


def _authors(data: dict) -> list[str]:
    found = _list(data.get("authors")) or [data.get("author")]
    return [_text(a.get("name")) for a in found if isinstance(a, dict) and a.get("name")]


def _list(value) -> list:
    """A field the spec says is an array, whatever a generator put there instead."""
    return value if isinstance(value, list) else []


def _date(value) -> datetime | None:
    """RFC 3339 as the spec says, and the "2022-07-26 13:01:01" some generators write (UTC)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _text(value) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)
