"""Staff's note to readers (holiday hours, a new provider), shown above the articles.

Staff write plain text with a little Markdown: a blank line starts a paragraph, a line break
stays one, **bold**, and [words](https://link). Everything else is escaped, so a note can
never carry markup of its own into an email or a page.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

NOTE_MAX = 2000
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^\s()<>\"]+)\)")


def note_html(note: str) -> Markup:
    """The note as paragraphs of escaped text with the few marks it allows."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", note.strip().replace("\r", ""))]
    html = []
    for paragraph in filter(None, paragraphs):
        text = escape(paragraph, quote=True)
        text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
        text = _BOLD.sub(r"<strong>\1</strong>", text)
        html.append("<p>" + text.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(html))


def note_text(note: str) -> str:
    """The note for the plain-text part: the words, and each link's address after them."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", note.strip().replace("\r", ""))
    return _BOLD.sub(r"\1", text)
