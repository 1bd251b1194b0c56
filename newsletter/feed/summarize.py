"""An article's text becomes what an email shows of it: a summary in the post's own words,
in whole sentences, and an honest reading time. Pure: text in, text out."""

from __future__ import annotations

import math
import re

from ..common.text import ELLIPSIS, cut
from .boilerplate import is_boilerplate_line, without_ad_label

WORDS_PER_MINUTE = 230
CJK_CHARACTERS_PER_MINUTE = 500
"""Chinese and Japanese are read by the character: 300 to 600 a minute; 500 errs short."""

# Han, kana and Hangul (the scripts written without spaces between words).
_CJK = re.compile("[\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                  "\uf900-\ufaff\U00020000-\U0002fa1f]")
# "[…]" and "[...]": WordPress's mark at the end of an automatic excerpt.
_TEASER_MARK = re.compile(r"\s*(\[\s*(…|\.\.\.|&hellip;)\s*\]|\[\s*\.\.\.\s*\])\s*$")
# A line that ends like a sentence is prose; a short one that does not is a heading or label.
_SENTENCE_LIKE = re.compile(r"[.!?…;。！？\"”’»)]\s*$")
_HEADING_WORDS = 12


def summary_of(content: str, teaser: str, limit: int) -> str:
    """The author's teaser when the feed has one of its own, else the article's opening
    prose, as one paragraph cut at a sentence (else word) boundary. Both are text."""
    enough = 2 * limit + 200  # the opening is all a summary needs of a long article
    opening, _ = _prose(content, enough)
    teased, clipped = _prose(teaser, enough)
    own_teaser = teased and not clipped and \
        not " ".join(opening).startswith(teased[0][:60].rstrip(ELLIPSIS))
    chosen = teased if own_teaser else opening or teased
    return cut(" ".join(chosen), limit)


def first_sentence(text: str, limit: int = 90) -> str:
    """A title for a post that has none: its first sentence, shortened to fit."""
    prose, _ = _prose(text, 2 * limit + 200)
    if not prose:
        return ""
    line = prose[0]
    match = re.search(r"^.+?[.!?。！？](?=\s|$)", line)
    return cut((match.group() if match else line).rstrip("."), limit)


def reading_minutes(text: str) -> int:
    """230 words a minute; CJK text, written without spaces, by its characters."""
    if text.isascii():
        return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))
    characters = len(_CJK.findall(text))
    words = len(_CJK.sub(" ", text).split()) if characters else len(text.split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE + characters / CJK_CHARACTERS_PER_MINUTE))


def _prose(text: str, enough: int) -> tuple[list[str], bool]:
    """The text's paragraphs that read as the post: platform lines dropped, lines that a
    <br> or an inline block split mid-sentence joined again, headings and labels left out,
    and never a start in mid-sentence (True when the text began so: a window cut out of a
    longer text). Reads no further than `enough` characters of prose."""
    lines: list[str] = []
    read = 0
    for raw in text.split("\n"):
        if read > enough:
            break
        line = without_ad_label(raw.strip())
        if not line or is_boilerplate_line(line):
            continue
        if lines and _continues(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
        if _is_prose(line):
            read += len(line)
    lines = [_TEASER_MARK.sub(ELLIPSIS, line) for line in lines]
    prose = [line for line in lines if _is_prose(line)] or [
        line for line in lines if not line.endswith(":")]
    clipped = bool(prose) and prose[0][:1].islower()
    if clipped:
        rest = re.split(r"(?<=[.!?])\s+(?=[^\W\d_])", prose[0], maxsplit=1)
        prose = ([rest[1]] if len(rest) == 2 else []) + prose[1:]
    return prose, clipped


def _continues(previous: str, line: str) -> bool:
    return line[:1].islower() and not _SENTENCE_LIKE.search(previous) \
        and not previous.endswith(":")


def _is_prose(line: str) -> bool:
    if line.endswith(":"):
        return False
    return bool(_SENTENCE_LIKE.search(line)) or len(line.split()) > _HEADING_WORDS \
        or len(_CJK.findall(line)) > 2 * _HEADING_WORDS
