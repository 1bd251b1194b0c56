"""The pictures in an article's untrusted HTML: which one leads the article in the email,
and the words that stand for it. Pure: HTML in, an `Image` out."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from ..common.links import safe_url
from ..common.model import Image
from ..common.text import is_hidden, one_line

_TINY = 2  # an image this many pixels or fewer across is a tracking pixel, not a picture


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
