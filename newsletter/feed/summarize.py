"""An article's untrusted HTML becomes what an email shows: a short summary, a lead image with
its alt text, and an honest reading time."""

from __future__ import annotations

import math
import re
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from ..common.model import Image
from ..common.text import cut, is_hidden, one_line, words

WORDS_PER_MINUTE = 230
_TINY = 2  # an image this many pixels or fewer across is a tracking pixel, not a picture


def summary_of(content: str, teaser: str, limit: int) -> str:
    """The author's teaser when the feed has one of its own, else the article's opening
    prose, as one paragraph cut at a sentence (else word) boundary. Both are text."""
    source = teaser if teaser and not content.startswith(teaser[:60]) else content
    lines = source.split("\n")
    prose = [line for line in lines if _SENTENCE_LIKE.search(line)]
    return cut(" ".join(prose or lines), limit)


# A line that ends like a sentence is prose; one that does not is a heading or a label.
_SENTENCE_LIKE = re.compile(r"[.!?…:;\"”’)]\s*$")


def reading_minutes(text: str) -> int:
    return max(1, math.ceil(words(text) / WORDS_PER_MINUTE))


def safe_url(url: str | None, base: str = "") -> str | None:
    """`url` made absolute against `base` if it is a plain http(s) address, else None.

    Browsers ignore tabs and newlines inside a scheme ("java\\tscript:"), so they are removed
    before the scheme is judged, never after. A "%" that starts no escape is escaped itself, so
    no address can carry a "%%NAME%%" placeholder to be filled with a subscriber's data.
    """
    if not url:
        return None
    url = re.sub(r"[\x00-\x20\x7f]", "", url.strip().replace(" ", "%20"))
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    if not url or len(url) > 2000:
        return None
    try:
        given = urlsplit(url)
        absolute = urljoin(base, url) if base else url
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if (given.scheme or url.startswith("//")) and not given.netloc:
        return None  # "https://" or "//" names no host; joined to the base it is the page itself
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def image_in_html(html: str, base: str) -> Image | None:
    """The first real picture in an article: absolute http(s) source, not a tracking pixel,
    not hidden. Its alt text comes along ("" when the author gave none)."""
    if not html or "<img" not in html.lower():
        return None
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None
    for img in root.iter("img"):
        if _inside_hidden(img) or _is_tracking_pixel(img):
            continue
        url = safe_url(img.get("src"), base)
        if url:
            return Image(url=url, alt=one_line(img.get("alt") or ""),
                         width=_pixels(img.get("width")), height=_pixels(img.get("height")))
    return None


def with_alt(image: Image | None, fallback: str) -> Image | None:
    """Every image shown needs words for readers who cannot see it: the title will do."""
    if image is None or image.alt:
        return image
    return Image(url=image.url, alt=fallback, width=image.width, height=image.height)


def _pixels(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.match(r"^\s*(\d+)(?:px)?\s*$", str(value))
    return int(match.group(1)) if match else None


def _is_tracking_pixel(img) -> bool:
    style = img.get("style", "")
    sizes = [_pixels(img.get("width")), _pixels(img.get("height"))]
    sizes += [int(n) for n in re.findall(r"(?:^|;|\s)(?:width|height)\s*:\s*(\d+)px", style)]
    return any(size is not None and size <= _TINY for size in sizes)


def _inside_hidden(element) -> bool:
    return any(is_hidden(e) for e in element.iterancestors()) or is_hidden(element)
