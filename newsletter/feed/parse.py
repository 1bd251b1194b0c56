"""Feed bytes (RSS, Atom, JSON Feed) to frozen `Article` records, with warnings for what was
odd but readable.

feedparser gets bytes, never a URL (its own fetching has no timeout). A feed it flags as
ill-formed but that still yields entries is a warning; something that is not a feed at all
is a `FeedError` naming the source and what it looks like instead.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import feedparser
import lxml.etree

from ..common.errors import FeedError
from ..common.i18n import Phrase
from ..common.links import normalized_link, safe_url
from ..common.model import Article, ParsedFeed
from ..common.text import cut, html_to_text, is_cms_default, one_line, parse_fragment, text_of
from . import feedparser_mend  # noqa: F401  (before any feed is parsed)
from .boilerplate import strip_boilerplate
from .images import Candidate, candidates_in_html, choose_image, hinted_width, with_alt
from .jsonfeed import looks_like_json_feed, read_json_feed
from .names import author_name, title_from_address
from .summarize import first_sentence, reading_minutes, summary_of

MEDIA_NS = "http://search.yahoo.com/mrss/"
TITLE_LIMIT = 200
MAX_CATEGORIES = 10
SITE_WIDE_SHARE = 0.5
"""An image on more than this share of a feed's articles (and at least 3) is the site's
(a logo, a signature, an author's face), not any one article's."""

# What platforms title a post that has no title of its own.
_PLACEHOLDER_TITLE = re.compile(r"^(untitled( post| article)?|photo|image|video|quote|link|"
                                r"audio|chat|post|\(no title\)|no title|sin título|ohne titel|"
                                r"sans titre|senza titolo|sem título|без назви|без названия|"
                                r"无标题|無題)$", re.I)


# WordPress's prefix for a post only some may read: subscribers could not open it.
_PROTECTED_TITLE = re.compile(r"^(protected|private|geschützt|privat|protegido|privado|"
                              r"protégé|privé|protetto|privato|beskyddad|zabezpieczony|"
                              r"захищено|личное):\s", re.I)


def parse_feed(body: bytes, *, source: str, content_type: str | None = None,
               summary_chars: int = 240) -> ParsedFeed:
    """`source` is the feed's address: it names the feed in messages and resolves links."""
    if looks_like_json_feed(body, content_type):
        parsed = read_json_feed(body, source)
    else:
        parsed = _feedparser(body, content_type, "")
    address = source if _is_web(source) else _self_address(parsed)
    if parsed.get("version", "").startswith("atom") and address:
        parsed = _feedparser(body, content_type, address)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("%(source)s: not a feed: %(what)s", source=source,
                        what=_what_it_is(body, parsed),
                        hint="point feed.source at the RSS, Atom or JSON Feed address of the blog")
    warnings: list[str] = []
    if parsed.bozo and not isinstance(parsed.bozo_exception, feedparser.NonXMLContentType):
        warnings.append(Phrase("the feed is not well-formed (%(why)s); %(num)d article(s) "
                               "were still read", plural="the feed is not well-formed "
                               "(%(why)s); %(num)d article(s) were still read",
                               count=len(parsed.entries), why=_reason(parsed.bozo_exception)))
    feed_link = safe_url(parsed.feed.get("link"), address) or ""
    base = feed_link or address
    media_words = _media_descriptions(body, len(parsed.entries))
    drafts = [_draft(entry, words, base, warnings, position)
              for position, (entry, words) in enumerate(zip(parsed.entries, media_words), start=1)]
    drafts = [d for d in drafts if d is not None]
    if parsed.entries and not drafts and not address:
        raise FeedError("%(source)s: the feed's links are relative and the file does not say "
                        "its own web address, so no article can be linked", source=source,
                        hint="use the feed's web address (https://...) instead of a saved copy")
    site_wide = _site_wide_images(drafts)
    articles: list[Article] = []
    seen_ids: set[str] = set()
    for draft in drafts:
        article = draft.article(summary_chars, site_wide)
        if article.id in seen_ids:
            warnings.append(Phrase("article %(position)d (%(title)r) repeats the id of an "
                                   "earlier one and was left out", position=draft.position,
                                   title=article.title))
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
    headers = {"content-location": location, "content-type": content_type or "application/xml"}
    try:
        return feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False,
                                response_headers=headers)
    except (UnicodeError, LookupError, ValueError):
        pass  # feedparser trusts a garbled encoding declaration (encoding="\x80TF-8")
    try:  # without the declaration the bytes are sniffed like any other feed's
        return feedparser.parse(_BAD_DECLARATION.sub(rb"<?xml\1\3?>", body, count=1),
                                sanitize_html=False, resolve_relative_uris=False,
                                response_headers={**headers, "content-type": "application/xml"})
    except (UnicodeError, LookupError, ValueError) as error:
        return feedparser.FeedParserDict(entries=[], feed={}, bozo=1, bozo_exception=error)


_BAD_DECLARATION = re.compile(rb"<\?xml([^>]*?)\s+encoding\s*=\s*(['\"]).*?\2([^>]*)\?>", re.S)


def _self_address(parsed) -> str:
    """A feed read from a file knows its web address only if it says so (rel="self")."""
    for link in parsed.feed.get("links", []):
        if link.get("rel") == "self":
            url = safe_url(link.get("href"))
            if url:
                return url
    return ""


@dataclass
class _Draft:
    """An entry read but not yet judged against the rest of the feed (its pictures may be
    the site's own, which only the whole feed shows)."""

    entry: dict
    position: int
    url: str
    title: str
    text: str
    teaser: str
    candidates: list[Candidate]
    media_alt: str

    def article(self, summary_chars: int, site_wide: frozenset[str]) -> Article:
        entry, text = self.entry, self.text
        image = choose_image(self.candidates, fallback_alt="", site_wide=site_wide)
        title = (self.title or first_sentence(text or self.teaser)
                 or (image.alt if image else "") or title_from_address(self.url)
                 or "A new post")
        image = with_alt(image, title)
        summary = summary_of(text, self.teaser, summary_chars)
        if not summary and image:  # a picture post: say what the picture is
            summary = cut(f"Photo: {image.alt}" if image.alt != title
                          else "A photo post: see the picture on the blog.", summary_chars)
        return Article(
            id=_stable_id(entry, self.url, title, text),
            title=cut(title, TITLE_LIMIT),
            url=self.url,
            summary=summary,
            published=_date(entry, "published") or _date(entry, "updated"),
            updated=_date(entry, "updated"),
            author=_author(entry),
            categories=_categories(entry),
            image=image,
            reading_minutes=reading_minutes(text),
            origin="feed",
        )


def _draft(entry, media_words: dict[str, str], base: str, warnings: list[str],
           position: int) -> _Draft | None:
    title = cut(one_line(html_to_text(entry.get("title", ""))), TITLE_LIMIT)
    if _PLACEHOLDER_TITLE.match(title):
        title = ""
    url = safe_url(_original_link(entry), base)
    name = repr(title) if title else Phrase("number %(position)d", position=position)
    if _PROTECTED_TITLE.match(title):
        warnings.append(Phrase("article %(name)s is password-protected or private and was left "
                               "out", name=name))
        return None
    if not url:
        warnings.append(Phrase("article %(name)s has no usable web address (%(link)s) and was "
                               "left out", name=name,
                               link=str(entry.get("link"))[:80] if entry.get("link")
                               else Phrase("none given")))
        return None
    published = _date(entry, "published") or _date(entry, "updated")
    if published is None:
        raw = dict.get(entry, "published") or dict.get(entry, "updated")
        if raw:
            warnings.append(Phrase("article %(name)s has a date that cannot be read: %(raw)s",
                                   name=name, raw=f"{raw!r:.60}"))
    media_alt = media_words.get("", "")
    content, teaser = _body_and_teaser(entry, media_alt)
    content_base = _content_base(entry, url)
    root = parse_fragment(content)
    strip_boilerplate(root, article_url=url)
    teaser_root = parse_fragment(teaser) if "<" in teaser or "&" in teaser else None
    strip_boilerplate(teaser_root, article_url=url)
    candidates = _media_candidates(entry, content_base, media_words)
    candidates += candidates_in_html(root, content_base)
    candidates += candidates_in_html(teaser_root, content_base)
    return _Draft(entry, position, url, title,
                  text_of(root) if root is not None else "",
                  text_of(teaser_root) if teaser_root is not None else html_to_text(teaser),
                  candidates, media_alt)


def _original_link(entry) -> str | None:
    """FeedBurner and Pheedo put a redirect through their own servers in <link> and the
    article's real address in origLink: the subscriber gets the real one."""
    for key in entry:
        if key.endswith("_origlink") and isinstance(entry[key], str) and safe_url(entry[key]):
            return entry[key]
    return entry.get("link")


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
    teaser = next((t for t in texts if t and not _same_words(t, media_alt)), "")
    if html:
        return max(html, key=len), teaser
    return teaser, ""


def _same_words(html: str, words: str) -> bool:
    """Whether `html` says exactly `words` (parsed only when the lengths allow it)."""
    if not words or len(html) < len(words) or len(html) > 3 * len(words) + 200:
        return False
    return " ".join(html_to_text(html).split()) == words


def _media_descriptions(body: bytes, count: int) -> list[dict[str, str]]:
    """Each entry's media:description (else media:title) by the address of the media:content
    it describes ("" for the entry's first), read straight from the XML: entities never
    resolved, nothing fetched, an undeclared media: prefix read all the same. Empty for all
    when the entries cannot be matched up."""
    blank: list[dict[str, str]] = [{} for _ in range(count)]
    try:
        parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        root = lxml.etree.fromstring(body, parser)
    except (lxml.etree.LxmlError, ValueError):
        return blank
    if root is None:
        return blank
    items = [e for e in root.iter() if _local_name(e) in ("item", "entry")]
    if len(items) != count:
        return blank
    found = []
    for item in items:
        words: dict[str, str] = {}
        for media in [item, *(e for e in item.iter() if _is_media(e, "content"))]:
            text = next((" ".join((e.text or "").split()) for name in ("description", "title")
                         for e in media.iter() if _is_media(e, name) and (e.text or "").strip()), "")
            key = "" if media is item else media.get("url", "")
            if text and key not in words:
                words[key] = text
        found.append(words)
    return found


def _tag(element) -> str:
    """The element's tag, "" for a comment or one lxml cannot decode: recovering, it keeps a
    namespace such as "http://purl.org/dc/&#xD800;" as bytes that are not UTF-8, and raises
    when the tag is asked for."""
    try:
        tag = element.tag
    except UnicodeDecodeError:
        return ""
    return tag if isinstance(tag, str) else ""


def _is_media(element, name: str) -> bool:
    return _tag(element) in (f"{{{MEDIA_NS}}}{name}", f"media:{name}")


def _local_name(element) -> str:
    """"item" of "{ns}item", "itunes:item" or "item", whatever the document declared (an
    undeclared prefix, which lxml keeps in the tag, is no reason to fail)."""
    return _tag(element).rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _media_candidates(entry, base: str, media_words: dict[str, str]) -> list[Candidate]:
    """media:content, media:thumbnail and image enclosures, in that order, each with the
    words the feed gives for it."""
    media_alt = one_line(media_words.get("", ""))
    found = []
    for media in entry.get("media_content", []):
        medium, kind = media.get("medium", ""), media.get("type", "")
        if medium == "image" or kind.startswith("image/") or (
                not medium and not kind and _looks_like_image(media.get("url", ""))):
            url = safe_url(media.get("url"), base)
            if url:
                alt = one_line(media_words.get(media.get("url", ""), media_alt))
                found.append(Candidate(url, alt, _int(media.get("width")) or hinted_width(url),
                                       _int(media.get("height"))))
    for thumbnail in entry.get("media_thumbnail", []):
        url = safe_url(thumbnail.get("url"), base)
        if url:
            found.append(Candidate(url, one_line(media_alt),
                                   _int(thumbnail.get("width")) or hinted_width(url),
                                   _int(thumbnail.get("height"))))
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/"):
            url = safe_url(link.get("href"), base)
            if url:
                found.append(Candidate(url, "", hinted_width(url)))
    return found


def _site_wide_images(drafts: list[_Draft]) -> frozenset[str]:
    counts = Counter(url for d in drafts for url in {c.url for c in d.candidates})
    least = max(3, int(len(drafts) * SITE_WIDE_SHARE) + 1)
    return frozenset(url for url, count in counts.items() if count >= least)


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


def _author(entry) -> str:
    detail = entry.get("author_detail") or {}
    return author_name(detail.get("name") or entry.get("author", ""))


def _categories(entry) -> tuple[str, ...]:
    names: list[str] = []
    for tag in entry.get("tags", []):
        name = cut(one_line(html_to_text(tag.get("term") or tag.get("label") or "")), 50)
        if name and not is_cms_default(name) and name.lower() not in (n.lower() for n in names):
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
        return Phrase("the body is empty")
    if b"\x00" in body[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Phrase("the body is binary data")
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]:
        return Phrase("it is an HTML web page, not RSS or Atom (look for the blog's feed link)")
    if head.startswith((b"{", b"[")):
        return Phrase("it is JSON but not a JSON Feed")
    return Phrase("neither RSS nor Atom (%(why)s)",
                  why=_reason(parsed.get("bozo_exception", "unknown format")))
