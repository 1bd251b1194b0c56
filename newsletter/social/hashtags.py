"""Hashtags from an article's categories: the tags people follow, in the form every platform
links (letters and digits only, CamelCase so that screen readers say the words)."""

from __future__ import annotations

import regex

MAX_TAG_CHARS = 50
"""Longer is no tag anyone follows or types, and Bluesky links no tag past 64 graphemes."""

# A word: letters with their combining marks, and digits. Anything else separates words.
_WORD = regex.compile(r"[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}]*")


def hashtag(category: str) -> str:
    """"back pain" -> "#BackPain", "physical-therapy" -> "#PhysicalTherapy"; "" when the
    category has no letters, is only a number, or is too long to be a tag."""
    words = _WORD.findall(category)
    tag = "".join(word[0].upper() + word[1:] for word in words)
    if not tag or tag.isdigit() or len(tag) > MAX_TAG_CHARS:
        return ""
    return "#" + tag


def hashtags(categories: tuple[str, ...], cap: int) -> tuple[str, ...]:
    """At most `cap` tags in the categories' order, each once whatever its case."""
    found: dict[str, str] = {}
    for category in categories:
        tag = hashtag(category)
        if tag and tag.casefold() not in found:
            found[tag.casefold()] = tag
    return tuple(found.values())[:max(cap, 0)]
