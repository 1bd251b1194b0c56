"""Where a blog's feed is, read from its web page: the page's own <link rel="alternate">
(RSS, Atom or JSON Feed), else the places the platform the page is built with keeps one.
Pure: a page's bytes and address in, candidate feed addresses out; fetching them is the
caller's (feed/reader.py)."""

from __future__ import annotations

import codecs
import re
from urllib.parse import urlsplit, urlunsplit

import lxml.etree
import lxml.html

from ..common.links import safe_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "application/x.atom+xml",
              "text/xml", "application/xml")
# A comments feed, a per-post comments feed, a podcast's audio feed: never the blog's posts.
_NOT_POSTS = re.compile(r"comment|kommentar|comentario|commentaire|коментар|评论|/comments?/",
                        re.I)

# Where each platform serves a blog's feed when the page names none. "{site}" is the
# scheme and host, "{page}" the page's own address without query or fragment.
PLATFORM_FEEDS: dict[str, tuple[str, ...]] = {
    "wordpress": ("{page}/feed/", "{site}/feed/"),
    "blogger": ("{site}/feeds/posts/default",),
    "squarespace": ("{page}?format=rss",),
    "wix": ("{site}/blog-feed.xml",),
    "ghost": ("{site}/rss/",),
    "tumblr": ("{site}/rss",),
    "medium": ("{site}/feed",),
    "substack": ("{site}/feed",),
    "duda": ("{site}/feed/rss2",),
    "hugo": ("{page}/index.xml", "{site}/index.xml"),
    "jekyll": ("{site}/feed.xml",),
    "drupal": ("{site}/rss.xml",),
    "weebly": ("{page}/feed",),
}
GENERIC_FEEDS = ("{site}/feed", "{site}/rss.xml", "{site}/feed.xml", "{site}/atom.xml")

# What a page says about the platform that made it: its generator, or an address only that
# platform's pages load from.
_MARKERS = (
    ("wordpress", r"wp-content/|wp-includes/|wordpress"),
    ("blogger", r"\bblogger\b|blogspot\.com|blogblog\.com"),
    ("squarespace", r"squarespace"),
    ("wix", r"wix\.com|wixstatic\.com|parastorage\.com"),
    ("ghost", r"\bghost\b"),
    ("tumblr", r"tumblr\.com"),
    ("medium", r"medium\.com|cdn-client\.medium"),
    ("substack", r"substack"),
    ("duda", r"cdn-website\.com|website-editor\.net|dudamobile|\bduda\b|multiscreensite"),
    ("hugo", r"\bhugo\b"),
    ("jekyll", r"\bjekyll\b"),
    ("drupal", r"drupal"),
    ("weebly", r"weebly"),
)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


def parse_page(body: bytes, content_type: str | None = None):
    """A web page's document element, or None when the bytes are no HTML at all. Decoded
    by the charset the server or the page declares, else UTF-8 if the bytes are UTF-8,
    else Windows-1252 (what browsers assume): never by lxml's guess of Latin-1, which turns
    every emoji and curly quote into mojibake."""
    encoding = _charset(body, content_type)
    try:
        parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True)
        return lxml.html.document_fromstring(body, parser=parser)
    except (lxml.etree.LxmlError, ValueError, LookupError):
        return None


def _charset(body: bytes, content_type: str | None) -> str:
    declared = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type or "", re.I)
    name = declared.group(1) if declared else None
    if not name:
        match = _META_CHARSET.search(body[:4096])
        name = match.group(1).decode("ascii", "replace") if match else None
    if name:
        try:
            codecs.lookup(name)
            return "utf-8" if name.lower() in ("utf8", "utf-8") else name
        except LookupError:
            pass
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def feed_links(root, page_url: str) -> list[str]:
    """The page's own feed links, posts before anything else, each once."""
    if root is None:
        return []
    found: list[str] = []
    base = _base_of(root, page_url)
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        if kind in ("text/xml", "application/xml", "application/json") and not re.search(
                r"rss|atom|feed", (link.get("href") or "") + (link.get("title") or ""), re.I):
            continue  # an alternate XML or JSON of the page itself, not a feed
        url = safe_url(link.get("href"), base)
        if not url or url in found:
            continue
        if _NOT_POSTS.search((link.get("title") or "") + " " + url):
            continue
        found.append(url)
    return found


def platform_of(root, body: bytes) -> str | None:
    """The platform that built the page: its generator meta first, then its assets."""
    generator = ""
    if root is not None:
        generator = " ".join(m.get("content") or "" for m in root.iter("meta")
                             if (m.get("name") or "").lower() == "generator")
    for text in (generator, body[:200_000].decode("utf-8", "replace")):
        for name, pattern in _MARKERS:
            if text and re.search(pattern, text, re.I):
                return name
    return None


def likely_feeds(page_url: str, platform: str | None) -> list[str]:
    """Where `platform` keeps its feed for the blog at `page_url` (a few generic places when
    the platform is unknown), each once."""
    parts = urlsplit(page_url)
    site = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    page = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")) or site
    places = PLATFORM_FEEDS.get(platform or "", GENERIC_FEEDS)
    found: list[str] = []
    for place in places:
        url = place.format(site=site, page=page)
        if url not in found and url.rstrip("/") != page_url.rstrip("/"):
            found.append(url)
    return found


def _base_of(root, page_url: str) -> str:
    for base in root.iter("base"):
        href = safe_url(base.get("href"), page_url)
        if href:
            return href
    return page_url
