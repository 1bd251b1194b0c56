"""How long each platform says a post is, and how long it may be.

Each platform counts differently, and a post one character over is refused or cut, so each
gets its own pure function (no I/O, no clock) and `fits` is the one test that fitting trusts.
Where a platform's rule is not published in full we count the way that can only come out
longer than the platform's own count, never shorter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import regex

from .linkfinder import scheme_links, x_link_spans

LINK_LENGTH = 23
"""What a link counts on X (its t.co form) and on Mastodon, however long it is."""

# An emoji as the platforms see one: a flag, a keycap, or a pictograph with its variation
# selector, skin tone, tag sequence and anything joined to it by zero-width joiners.
_EMOJI = regex.compile(
    r"\p{Regional_Indicator}{2}"
    r"|[0-9#*]\ufe0f?\u20e3"
    r"|\p{Extended_Pictographic}\ufe0f?\p{Emoji_Modifier}?(?:[\U000e0020-\U000e007e]+\U000e007f)?"
    r"(?:\u200d\p{Extended_Pictographic}\ufe0f?\p{Emoji_Modifier}?)*")
# X config v3: these code points weigh 1, every other weighs 2.
_X_HEAVY = regex.compile(r"[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
X_INVALID = "\ufffe\ufeff\uffff"
"""Characters that make X refuse a post whatever its length."""

# Mastodon counts a remote mention @user@domain as @user.
_MENTION = regex.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.\-]+[a-z0-9_]+)?)@[\w.\-]+\w",
                         regex.IGNORECASE)


def graphemes(text: str) -> int:
    """User-perceived characters: a ZWJ family, a flag or e + accent is one."""
    return len(regex.findall(r"\X", text))


def utf16_units(text: str) -> int:
    """What JavaScript's `length` says; never less than the code points or the graphemes."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def x_length(text: str) -> int:
    """X's weighted length (twitter-text config v3): NFC first; a link counts 23, an emoji
    sequence 2, code points 0–4351 and most general punctuation 1, everything else 2."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for start, end in x_link_spans(text):
        total += _x_weight(text[position:start]) + LINK_LENGTH
        position = end
    return total + _x_weight(text[position:])


def _x_weight(text: str) -> int:
    total, position = 0, 0
    for emoji in _EMOJI.finditer(text):
        total += _code_point_weight(text[position:emoji.start()]) + 2
        position = emoji.end()
    return total + _code_point_weight(text[position:])


def _code_point_weight(text: str) -> int:
    return len(text) + len(_X_HEAVY.findall(text))


def mastodon_length(text: str) -> int:
    """Graphemes, with each http(s) link as 23 and each @user@domain as @user.

    A link X would not recognise either (say, on the reserved .example domain) may not be
    linked by the server, which then counts it in full: it counts the longer of the two.
    """
    parts, position = [], 0
    for start, end in scheme_links(text):
        parts.append(_MENTION.sub(r"@\1", text[position:start]))
        link = text[start:end]
        recognised = x_link_spans(link) == [(0, len(link))]
        parts.append("x" * (LINK_LENGTH if recognised else max(LINK_LENGTH, graphemes(link))))
        position = end
    parts.append(_MENTION.sub(r"@\1", text[position:]))
    return graphemes("".join(parts))


def threads_length(text: str) -> int:
    """Characters (code points), except that an emoji counts its UTF-8 bytes."""
    total, position = 0, 0
    for emoji in _EMOJI.finditer(text):
        total += emoji.start() - position + utf8_bytes(emoji.group())
        position = emoji.end()
    return total + len(text) - position


@dataclass(frozen=True)
class Platform:
    """One place the clinic posts, and the rules its posts must keep."""

    name: str
    """Names the template, the --platform option and utm_source."""
    label: str
    limit: int
    length: Callable[[str], int]
    counts: str
    """How `length` counts, for people."""
    hashtag_cap: int
    link_in_text: bool
    """False: the link goes in a field of its own (the bio, a button), never in the text."""
    byte_limit: int | None = None
    invalid_chars: str = ""
    max_links: int | None = None


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform("x", "X", 280, x_length,
             "weighted: Latin 1, CJK and emoji 2, every link 23", 2, True,
             invalid_chars=X_INVALID),
    Platform("facebook", "Facebook", 63_206, utf16_units, "UTF-16 code units", 3, True),
    Platform("linkedin", "LinkedIn", 3_000, utf16_units, "characters (UTF-16)", 3, True),
    Platform("instagram", "Instagram", 2_200, utf16_units, "characters (UTF-16)", 5, False),
    Platform("mastodon", "Mastodon", 500, mastodon_length,
             "graphemes, every link 23, @user@domain as @user", 4, True),
    Platform("bluesky", "Bluesky", 300, graphemes,
             "graphemes (and at most 3,000 UTF-8 bytes), links in full", 3, True,
             byte_limit=3_000),
    Platform("threads", "Threads", 500, threads_length,
             "characters, emoji by their UTF-8 bytes, links in full", 1, True, max_links=5),
    Platform("google_business", "Google Business Profile", 1_500, utf16_units,
             "characters (UTF-16)", 0, False),
)}


def fits(platform: Platform, text: str) -> bool:
    """The platform would take `text` as it is: not empty, within every limit it has."""
    return bool(text.strip()) and within_limits(platform, text)


def within_limits(platform: Platform, text: str) -> bool:
    """Not too long by any of the platform's measures, and nothing in it that it refuses."""
    if any(char in text for char in platform.invalid_chars):
        return False
    if platform.byte_limit is not None and utf8_bytes(text) > platform.byte_limit:
        return False
    if platform.max_links is not None and len(scheme_links(text)) > platform.max_links:
        return False
    return platform.length(text) <= platform.limit
