"""Where a platform sees links in a post, so that a link can count as 23 instead of its length.

X decides with twitter-text's rules: a domain must end in a known top-level domain, no label
may be longer than 63 characters once punycode-encoded, a whole link at most 4,096, and a link
ends before the punctuation that usually follows one in prose. This module follows those rules
(as written in twitter-text's documentation and conformance data) closely enough to pass the
weighted-length conformance cases. Where it cannot be exact it errs towards seeing *no* link,
because text counted in full is never counted short.
"""

from __future__ import annotations

import re
from functools import cache

from .tlds import COUNTRY_TLDS, TLDS

MAX_LABEL = 63
MAX_URL = 4096
MAX_TCO_SLUG = 40

_PUNCT = r"!-/:-@\[-`{-~"  # ASCII punctuation
_SPACE = r"\s\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL = r"\x00-\x1f\x7f"
_INVALID = r"\ufffe\ufeff\uffff"
_DIRECTIONAL = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_DOMAIN_CHAR = rf"[^{_PUNCT}{_SPACE}{_CONTROL}{_INVALID}{_DIRECTIONAL}]"

# A TLD must not run on into more of a word.
_TLD_END = r"(?=[^a-z0-9@+\-]|$)"


def _alternatives(words) -> str:
    """A regex for any of `words`, as a trie: a flat alternation of 1,500 TLDs is tried word by
    word at every dot, ten times slower."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    branches = [re.escape(char) + _trie_pattern(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


_TLD = rf"(?:(?:{_alternatives(TLDS)}){_TLD_END}|xn--[\-0-9a-z]+)"
_SUBDOMAIN = rf"{_DOMAIN_CHAR}(?:[_\-]*+{_DOMAIN_CHAR})*+\."
_DOMAIN_NAME = rf"{_DOMAIN_CHAR}(?:-*+{_DOMAIN_CHAR})*+\."
_DOMAIN = rf"(?:{_SUBDOMAIN})*{_DOMAIN_NAME}{_TLD}"

_LATIN = (r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
          r"\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff")
_PATH_CHAR = rf"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\[\]\-\u2013_~&|@{_LATIN}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = rf"(?:[+\-a-z\u0400-\u04ff0-9=_#/{_LATIN}]|{_PARENS})"
# One quantifier over "path character or parenthesised group", then back off to a character
# that may end a link: linear, where nested quantifiers would backtrack exponentially.
_PATH = rf"/(?:(?:{_PATH_CHAR}|{_PARENS})*{_PATH_END})?"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"

# A link starts where a word does (or right after its scheme's own boundary), never inside a
# handle, hashtag or cashtag.
_NOT_BEFORE = rf"A-Za-z0-9@＠$#＃{_INVALID}"


@cache
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Compiled on first use: the TLD tries make them take a tenth of a second."""
    link = re.compile(
        rf"(?:(?<![{_NOT_BEFORE}])(?=https?://)|(?<![{_NOT_BEFORE}]|{_DOMAIN_CHAR}))"
        rf"(?P<scheme>https?://)?(?P<domain>{_DOMAIN})(?::[0-9]+)?(?P<path>{_PATH})?"
        rf"(?:{_QUERY})?", re.IGNORECASE)
    ascii_domain = re.compile(rf"(?:[\-a-z0-9{_LATIN}]+\.)+{_TLD}", re.IGNORECASE)
    short_domain = re.compile(rf"{_DOMAIN_NAME}(?:{_alternatives(COUNTRY_TLDS)})",
                              re.IGNORECASE)
    return link, ascii_domain, short_domain


_SPECIAL_SHORT = re.compile(rf"{_DOMAIN_NAME}(?:co|tv)", re.IGNORECASE)
# X's own shortener: such a link is its slug and nothing after it, and no link at all when the
# slug is longer than X makes them.
_TCO = re.compile(r"https?://t\.co/([a-z0-9]+)", re.IGNORECASE)


def x_link_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every link X counts as 23 in `text` (already NFC)."""
    if "." not in text:
        return []
    spans: list[tuple[int, int]] = []
    for match in _patterns()[0].finditer(text):
        if match.group("scheme"):
            if not _valid(match.group(), match.group("domain"), match.group("scheme")):
                continue
            tco = _TCO.match(match.group())
            if tco is None:
                spans.append(match.span())
            elif len(tco.group(1)) <= MAX_TCO_SLUG:
                spans.append((match.start(), match.start() + tco.end()))
        else:
            spans += _bare_links(text, match)
    return spans


def _bare_links(text: str, match) -> list[tuple[int, int]]:
    """A link without a scheme: only its ASCII domain names count, never after - _ . or /."""
    start, end = match.span()
    if start and text[start - 1] in "-_./":
        return []
    domain, has_path = match.group("domain"), match.group("path") is not None
    if _x_length_of(match.group(), domain, "") > MAX_URL:
        return []  # X checks the whole link, https:// in front, before it takes any of it
    _, ascii_domain, short_domain = _patterns()
    found = []
    for ascii_match in ascii_domain.finditer(domain):
        name = ascii_match.group()
        if not _valid(name, name, ""):
            continue
        if has_path or _SPECIAL_SHORT.fullmatch(name) or not short_domain.fullmatch(name):
            found.append([start + ascii_match.start(), start + ascii_match.end()])
    if found and has_path:
        found[-1][1] = end
    return [tuple(span) for span in found]


def _valid(url: str, domain: str, scheme: str) -> bool:
    """Every label fits DNS once punycode-encoded, and so does the whole link."""
    encoded = _punycode_labels(domain)
    if encoded is None or any(not label or len(label) > MAX_LABEL for label in encoded):
        return False
    length = len(url) - len(domain) + len(".".join(encoded))
    return length + (0 if scheme else len("https://")) <= MAX_URL


def _x_length_of(url: str, domain: str, scheme: str) -> int:
    """The length X checks against MAX_URL: the domain punycode-encoded, https:// added to a
    link without a scheme."""
    encoded = _punycode_labels(domain)
    domain_length = len(".".join(encoded)) if encoded is not None else len(domain)
    return len(url) - len(domain) + domain_length + (0 if scheme else len("https://"))


def _punycode_labels(domain: str) -> list[str] | None:
    labels = []
    for label in domain.split("."):
        if not label.isascii():
            try:
                label = "xn--" + label.encode("punycode").decode("ascii")
            except UnicodeError:
                return None
        labels.append(label)
    return labels


_ANY_SCHEME_LINK = re.compile(r"(?<![\w@/])https?://[^\s<>\"]*[^\s<>\".,:;!?'’”)\]}]",
                              re.IGNORECASE)


def scheme_links(text: str) -> list[tuple[int, int]]:
    """(start, end) of every http(s) link as a permissive linker (Mastodon) sees it: up to the
    first space, minus the punctuation that ends a sentence."""
    return [m.span() for m in _ANY_SCHEME_LINK.finditer(text)] if "://" in text else []
