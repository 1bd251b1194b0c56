"""Names for what a post leaves unnamed or names badly, the same from a feed or a page: a
title from its address, an author's name without their e-mail address. Pure."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from ..common.text import cut, html_to_text, one_line

_EMAIL = re.compile(r"\(?\s*[\w.+-]+@[\w-]+(\.[\w-]+)+\s*\)?")
_BY = re.compile(r"^\s*(?:by|von|por|par|di|door|av|przez|від)\s+", re.I)
# What a CMS says when nobody signed the post: never a byline worth printing.
_NOBODY = ("unknown", "noreply", "no-reply", "anonymous", "admin", "administrator",
           "webmaster", "root", "wordpress", "site admin")


def author_name(raw: str) -> str:
    """The author's name, never their address: "Ann (noreply@blogger.com)" and
    "noreply@blogger.com (Ann)" are both "Ann", "By Ann" is "Ann", and Blogger's "Unknown"
    or WordPress's "admin" is nobody."""
    name = _EMAIL.sub(" ", one_line(html_to_text(raw)))
    name = " ".join(_BY.sub("", name).replace("()", " ").split()).strip(" ,;<>")
    if name.count("(") != name.count(")"):
        name = name.replace("(", "").replace(")", "")
    return "" if name.lower() in _NOBODY else cut(name, 80)


def title_from_address(url: str) -> str:
    """"/2024/05/my-walk-by-the-river" -> "My walk by the river": a title of last resort."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s.strip()]
    slug = re.sub(r"\.\w{2,5}$", "", segments[-1]) if segments else ""
    words = [w for w in re.split(r"[-_+\s]+", slug) if w and not w.isdigit()]
    if len(words) < 2:
        return ""
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:]
