"""Hashtags from an article's categories: the tags people follow, in the form every platform
links (letters and digits only, CamelCase so that screen readers say the words)."""

from __future__ import annotations

import regex

from ..common.text import is_cms_default

MAX_TAG_CHARS = 50
"""Longer is no tag anyone follows or types, and Bluesky links no tag past 64 graphemes."""

# A word: letters with their combining marks, and digits. Anything else separates words.
_WORD = regex.compile(r"[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}]*")
# An apostrophe inside a word ("Angie's") joins it; it does not start a new word.
_APOSTROPHE = regex.compile(r"(?<=\p{L})['’ʼ](?=\p{L})")


def hashtag(category: str) -> str:
    """"back pain" -> "#BackPain", "Angie's List" -> "#AngiesList", "iPhone" -> "#iPhone";
    "" when the category is a CMS's default ("Uncategorized"), has no letters, is only a
    number, or is too long to be a tag."""
    if is_cms_default(category):
        return ""
    words = _WORD.findall(_APOSTROPHE.sub("", category))
    tag = "".join(word if _has_inner_capital(word) else word[0].upper() + word[1:]
                  for word in words)
    if not tag or tag.isdigit() or len(tag) > MAX_TAG_CHARS:
        return ""
    return "#" + tag


def _has_inner_capital(word: str) -> bool:
    """"iPhone", "McKenzie", "YouTube": a brand's own capitals are kept as they are."""
    return any(c.isupper() for c in word[1:])


def hashtags(categories: tuple[str, ...], cap: int) -> tuple[str, ...]:
    """At most `cap` tags in the categories' order, each once whatever its case."""
    found: dict[str, str] = {}
    for category in categories:
        tag = hashtag(category)
        if tag and tag.casefold() not in found:
            found[tag.casefold()] = tag
    return tuple(found.values())[:max(cap, 0)]
