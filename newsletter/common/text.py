"""Untrusted feed HTML to plain text, and plain text cut to a length.

Nothing from a feed reaches an email, a snippet or a web page as markup: it is reduced to
text here and escaped by the templates. That makes script, styles, forms, event handlers and
overlays impossible by construction rather than by a blocklist that has to keep up.
"""

from __future__ import annotations

import re

import ftfy
import lxml.etree
import lxml.html
import regex

# Elements whose text is never content: code, styling, embedded documents, form controls.
# Not <embed>: it is empty, but lxml's HTML parser nests whatever follows it inside it.
_DROP_WITH_CONTENT = frozenset(
    "script style noscript template iframe frame frameset object applet form button "
    "input select textarea option svg math canvas audio video head title meta link base".split()
)
# Elements that end a line of text.
_BLOCK = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr table blockquote pre section article "
    "header footer aside nav hr figure address".split()
)
# Hidden, or fixed over the page (a pop-up, a banner, a fake login box): never article text.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|position\s*:\s*fixed",
                           re.I)
# C0 (but tab and newline) and C1 controls, DEL, bidirectional overrides that reorder text
# (a classic way to spoof a subject line) and the BOM.
_UNWANTED_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# What XML cannot hold: lxml parses such a character into a tree but refuses it when the
# tree's text is set, as dropping a read-more link does with the text that follows it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Our own per-subscriber placeholders look like %%NAME%%; feed text never keeps a "%%".
_PLACEHOLDER_OPENER = re.compile(r"%{2,}")


# UTF-8 read as Windows-1252 or Latin-1 ("userâ€™s", "retransmisiÃ³n"): only text with such a
# pair is handed to ftfy, which undoes the double encoding where it is sure.
_MOJIBAKE = re.compile("[ÂÃâÐÑ][\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                       "\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def clean_chars(text: str) -> str:
    """Drop control characters and placeholder openers from text that came from a feed, and
    undo double-encoded UTF-8. Controls that end a line (CR, VT, FF, NEL) become spaces: the
    words around them stay apart."""
    if _MOJIBAKE.search(text):
        text = ftfy.fix_encoding(text)
    text = _UNWANTED_CHARS.sub(lambda m: " " if m.group() in "\r\x0b\x0c\x85" else "", text)
    return _PLACEHOLDER_OPENER.sub("%", text)


def html_to_text(html: str) -> str:
    """Readable text of an HTML fragment: paragraphs on their own lines, no hidden text."""
    if not html or not html.strip():
        return ""
    if "<" not in html and "&" not in html:
        return _normalize(clean_chars(html))
    root = parse_fragment(html)
    if root is None:
        return _normalize(clean_chars(_strip_tags(html)))
    return text_of(root)


def parse_fragment(html: str):
    """An HTML fragment as one <div> element, or None when there is nothing to parse; parsed
    once, so that its text, its pictures and its boilerplate are read from the same tree."""
    if not html or not html.strip():
        return None
    html = _NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", html)
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.LxmlError, ValueError):
        return None


def text_of(element) -> str:
    """Readable text of a parsed element: paragraphs on their own lines, no hidden text."""
    parts = [element.text or ""]
    _collect_text(element, parts)
    return _normalize(clean_chars("".join(parts)))


def _collect_text(element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag is None:  # a comment or processing instruction: its text is never content
            parts.append(child.tail or "")
            continue
        tag = tag.lower()
        if tag in _DROP_WITH_CONTENT or is_hidden(child):
            parts.append(child.tail or "")
            continue
        if tag in _BLOCK:
            parts.append("\n")
        parts.append(child.text or "")
        _collect_text(child, parts)
        if tag in _BLOCK:
            parts.append("\n")
        parts.append(child.tail or "")


def is_hidden(element) -> bool:
    """Hidden text in a feed is somebody's SEO trick or a trap; it is never shown."""
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style", "")))


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]*>", " ", html)


def _normalize(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    """Text for a single-line place (a title, a name): no line breaks survive, which also
    keeps feed text out of mail headers."""
    return _SPACES.sub(" ", re.sub(r"[\r\n\u2028\u2029]+", " ", clean_chars(text))).strip()


CMS_DEFAULT_CATEGORIES = frozenset(
    "uncategorized uncategorised allgemein general generale généralités geral algemeen "
    "okategoriserade ukategorisert ukategoriseret yleinen bezkategorii".split()
    + ["sin categoría", "sin categoria", "non classé", "senza categoria", "sem categoria",
       "geen categorie", "bez kategorii", "без категорії", "без рубрики", "未分类", "未分類",
       "blog", "posts", "featured"])
"""What a CMS files a post under when its author chose nothing: never a topic."""


def is_cms_default(category: str) -> bool:
    return " ".join(category.casefold().split()) in CMS_DEFAULT_CATEGORIES


def words(text: str) -> int:
    return len(text.split())


_SENTENCE_END = regex.compile(r"[.!?。！？](?:[\"'”’)\]]*)(?=\s|$)")
ELLIPSIS = "…"


def cut(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """At most `limit` characters (grapheme clusters never split): the longest run of whole
    sentences that fills at least half the room, else whole words plus an ellipsis.

    A single word longer than the room is cut between graphemes, since something has to go.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return _graphemes_within(text, limit)
    room = limit - len(ellipsis)
    sentence_cut = _last_sentence_end(text, limit)
    if sentence_cut >= limit // 2:
        return text[:sentence_cut].rstrip()
    word_cut = _last_space_within(text, room)
    if word_cut > 0:
        kept = text[:word_cut].rstrip(" ,;:–—-")
        return (kept if _is_boundary(text, len(kept)) else text[:word_cut]) + ellipsis
    return _graphemes_within(text, room) + ellipsis


def _last_sentence_end(text: str, limit: int) -> int:
    """Searched in the whole text: cut off at `limit`, "site.com" or '"Rest."' would seem to
    end a sentence at the dot."""
    best = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > limit:
            break
        best = match.end()
    return best


def _last_space_within(text: str, room: int) -> int:
    """The last space within `room` that starts a grapheme cluster (after a prepended mark,
    such as the Arabic number sign, a space belongs to the cluster before it)."""
    space = text.rfind(" ", 0, room + 1)
    while space > 0 and not _is_boundary(text, space):
        space = text.rfind(" ", 0, space)
    return space


def _is_boundary(text: str, index: int) -> bool:
    return len(_graphemes_within(text, index)) == index


def _graphemes_within(text: str, limit: int) -> str:
    """The longest prefix of whole grapheme clusters that is at most `limit` code points."""
    taken = 0
    for cluster in regex.finditer(r"\X", text):
        if cluster.end() > limit:
            break
        taken = cluster.end()
    return text[:taken]
