"""Which picture leads an article, at what size, and the words that stand for it.

A feed offers pictures in many places (media:content, media:thumbnail, enclosures, the
post's own <img>s) and most platforms put some that are not the post's: the author's
gravatar, a signature repeated on every post, emoji, share buttons, tracking pixels. Every
candidate is measured (attributes, srcset, the size hints platforms put in URLs), the ones
that are not content are dropped, and the first real one of a useful size wins. Pure: HTML
and URLs in, an `Image` out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..common.links import safe_url
from ..common.model import Image
from ..common.text import is_hidden, one_line, parse_fragment

USEFUL_WIDTH = 300
"""Narrower than this (when known) a picture is a thumbnail: used only when nothing better is
there, and then shown at its own size, never stretched."""
_TINY = 2  # this many pixels or fewer across: a tracking pixel
WANTED_WIDTH = 1000  # 600 px shown, nearly twice that for sharp screens: the srcset entry to take


@dataclass(frozen=True)
class Candidate:
    """A picture the article offers, measured as well as the markup allows."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None
    decorative: bool = False  # marked as not content by its markup (avatar, emoji, share)


def choose_image(candidates: Iterable[Candidate], *, fallback_alt: str,
                 site_wide: frozenset[str] = frozenset()) -> Image | None:
    """The first candidate of a useful size, else the first real one (shown small), with
    alt text that is words. `site_wide` are URLs that appear on most of a feed's articles:
    a logo or a signature, never an article's own picture."""
    real = [c for c in (_upgraded(c) for c in candidates)
            if not c.decorative and c.url not in site_wide and not is_not_content(c.url, c.alt)]
    if not real:
        return None
    chosen = next((c for c in real if c.width is None or c.width >= USEFUL_WIDTH), real[0])
    alt = next((a for a in [chosen.alt] + [c.alt for c in real if c.url == chosen.url]
                if is_words(a)), "")
    return Image(url=chosen.url, alt=alt or fallback_alt, width=chosen.width,
                 height=chosen.height)


def candidates_in_html(root, base: str) -> list[Candidate]:
    """Every visible <img> of a parsed fragment, in document order, measured."""
    if root is None:
        return []
    found = []
    for img in root.iter("img"):
        if _inside_hidden(img) or _is_tracking_pixel(img):
            continue
        url, width = _best_source(img, base)
        if not url:
            continue
        height = _pixels(img.get("height"))
        attr_width = _pixels(img.get("width"))
        if attr_width and (width is None or attr_width <= width):
            width = attr_width  # the size the author chose to show it at
        found.append(Candidate(url, one_line(img.get("alt") or ""), width or hinted_width(url),
                               height if attr_width else None,
                               decorative=_marked_decorative(img)))
    return found


def image_in_html(html: str, base: str) -> Image | None:
    """The first real picture of a fragment of HTML (its alt text as given, "" if none)."""
    candidates = candidates_in_html(parse_fragment(html), base)
    image = choose_image(candidates, fallback_alt="")
    if image is None:
        return None
    given = next(c.alt for c in candidates if c.url == image.url)
    return replace(image, alt=given)


def with_alt(image: Image | None, fallback: str) -> Image | None:
    """Every image shown needs words for readers who cannot see it: the title will do."""
    if image is None or is_words(image.alt):
        return image
    return Image(url=image.url, alt=fallback, width=image.width, height=image.height)


_FILE_NAME = re.compile(r"^(?:[\w.-]*\d[\w.-]*|[\w-]+\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?))$",
                        re.I)


_PLACEHOLDER_ALT = re.compile(r"^(image|img|photo|picture|pic|untitled|bild|foto|imagen|"
                              r"immagine|obraz|зображення|图片|画像|featured image|thumbnail)$",
                              re.I)


def is_words(alt: str) -> bool:
    """Alt text that says something: not empty, not a placeholder ("image"), not a camera's
    or a CMS's file name ("DSC_4550", "IMG-2041.jpg", "20161201_01_autoshutdownvm")."""
    alt = alt.strip()
    return bool(alt) and not (" " not in alt and _FILE_NAME.match(alt)) \
        and not _PLACEHOLDER_ALT.match(alt)


# --- what is not an article's own picture ---------------------------------------------------

_NOT_CONTENT_URL = re.compile(
    r"gravatar\.com/|/avatars?[/_.-]|[/_-]avatar|blavatar|/profile_images/|"  # people's faces
    r"s\.w\.org/images/core/emoji|/emoji/|twemoji|/smilies/|"  # emoji
    r"feedburner\.com/~f[fa]/|feeds\.[\w.]+/~f[fa]/|/~r/.+/~4/|pheedo\.com|"  # feed ads, flare
    r"[/_-](share|sharing|social|facebook|twitter|linkedin|pinterest|whatsapp|email)"
    r"[-_]?(button|icon|logo|btn)?s?\.(gif|png|svg)|sharethis|addtoany|addthis|"
    r"/_/stat\b|/pixel[./?]|/beacon[./?]|doubleclick\.net|/b/ss/", re.I)
_NOT_CONTENT_ALT = re.compile(r"^(add to|share (on|via|this)|teilen|compartir|partager|"
                              r"follow us|subscribe|rss|email this|print this)\b", re.I)


def is_not_content(url: str, alt: str = "") -> bool:
    """A face, an emoji, a share button, a feed ad or a counter: never an article's image."""
    return bool(_NOT_CONTENT_URL.search(url) or _NOT_CONTENT_ALT.match(alt.strip()))


def _marked_decorative(img) -> bool:
    classes = (img.get("class") or "").lower()
    return bool(re.search(r"\b(avatar|emoji|wp-smiley|gravatar|share|social|icon)\b", classes))


# --- how big a picture is -------------------------------------------------------------------

_HINTS = (
    re.compile(r"-(\d{2,4})w\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.I),  # Duda: -640w.jpg
    re.compile(r"[?&](?:w|width|resize|s|size)=(\d{2,4})(?:[&,x]|$)", re.I),  # ?w=150, ?s=96
    re.compile(r"/[sw](\d{2,4})(?:-[a-z0-9-]+)?/", re.I),  # Blogger /s72-c/, /w640-h400/
    re.compile(r"=[sw](\d{2,4})(?:-[a-z0-9-]+)?$", re.I),  # Blogger/Google =s72-c
    re.compile(r"-(\d{2,4})x\d{2,4}\.(?:jpe?g|png|gif|webp)(?:$|\?)", re.I),  # WP -150x150.jpg
    re.compile(r"/s(\d{2,4})x\d{2,4}/", re.I),  # Tumblr /s640x960/
    re.compile(r"/size/w(\d{2,4})/", re.I),  # Ghost /size/w600/
    re.compile(r"[?&]format=(\d{2,4})w\b", re.I),  # Squarespace ?format=750w
    re.compile(r"[/,]w_(\d{2,4})[,/]", re.I),  # Wix, Cloudinary, Substack: /w_1000,h_667/
)


def hinted_width(url: str) -> int | None:
    """The width a platform's image URL asks for, if it says one."""
    for hint in _HINTS:
        match = hint.search(url)
        if match:
            return int(match.group(1))
    return None


def _upgraded(candidate: Candidate) -> Candidate:
    """A platform thumbnail whose URL names its size is asked for at 640 px instead when
    the platform serves any size from the same address (Blogger's s72-c, WordPress's
    -150x150 copies of the uploaded original)."""
    width = candidate.width
    if width is None or width >= USEFUL_WIDTH:
        return candidate
    url = candidate.url
    bigger = url
    if re.match(r"https?://[^/]*(googleusercontent\.com|bp\.blogspot\.com|ggpht\.com)/", url):
        bigger = re.sub(r"(/|=)s\d{2,3}(-[a-z0-9-]*)?(/|$)", r"\1s640\3", url)
    elif re.search(r"wp-content/uploads/", url):
        bigger = re.sub(r"-\d{2,4}x\d{2,4}(\.(?:jpe?g|png|gif|webp))", r"\1", url)
    if bigger == url:
        return candidate
    return replace(candidate, url=bigger, width=None if "wp-content" in bigger else 640,
                   height=None)


def _best_source(img, base: str) -> tuple[str | None, int | None]:
    """The smallest srcset entry sharp on a phone's screen at 600 px (else the largest;
    lazy-loading attributes too), else src."""
    entries = []
    for attribute in ("srcset", "data-srcset", "data-lazy-srcset"):
        for part in (img.get(attribute) or "").split(","):
            bits = part.split()
            if len(bits) == 2 and re.fullmatch(r"\d{2,5}w", bits[1]):
                url = safe_url(bits[0], base)
                if url:
                    entries.append((int(bits[1][:-1]), url))
    if entries:
        sharp = [e for e in entries if e[0] >= WANTED_WIDTH]
        width, url = min(sharp) if sharp else max(entries)
        return url, width
    for attribute in ("src", "data-src", "data-lazy-src", "data-original"):
        url = safe_url(img.get(attribute), base)
        if url and not url.startswith("data:"):
            return url, None
    return None, None


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
