"""An article's text becomes what an email shows of it: a short summary and an honest
reading time. Pure: text in, text out."""

from __future__ import annotations

import math
import re

from ..common.text import cut, words

WORDS_PER_MINUTE = 230


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
