"""Evergreen articles: a short list the clinic keeps of articles worth sending again, for a
week when the blog has nothing new (a schedule with when_nothing_new = "evergreen").

Pure: the list is parsed into `Article` records (id "evergreen:<link>"), and the one to send
is the least recently sent that was never mailed as a regular article.

    [[article]]
    title = "Five stretches for a stiff lower back"
    url = "https://clinic.example/blog/five-stretches"
    summary = "Gentle stretches you can do at home, and when to call us instead."
    image = "https://clinic.example/images/stretches.jpg"   # optional
    alt = "A patient stretching on a mat"                   # optional (default: the title)
    reading_minutes = 4                                     # optional (default: 1)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path

from ..common.errors import ConfigError
from ..common.tomlfile import Table, parse_toml, read_text
from ..common.links import normalized_link
from ..common.model import EVERGREEN_PREFIX, Article, Image
from ..common.text import clean_chars, one_line

KEYS = {"title": True, "url": True, "summary": True, "image": False, "alt": False,
        "reading_minutes": False}
"""Each key, and whether it is required."""


class EvergreenError(ConfigError):
    """The evergreen list cannot be used; the message names the file, the entry and the key."""


def load_evergreen(path: Path) -> tuple[Article, ...]:
    return parse_evergreen(read_text(path, what="evergreen list", error=EvergreenError,
                                     missing_hint="create it, or set when_nothing_new = "
                                                  "\"skip\""), path)


def parse_evergreen(text: str, path: Path) -> tuple[Article, ...]:
    table = Table(parse_toml(text, path, error=EvergreenError), path=path, error=EvergreenError)
    table.only(("article",), takes="the evergreen list (each article an [[article]] table)")
    entries = table.values.get("article", [])
    if not isinstance(entries, list) or not entries:
        raise EvergreenError(f"{path}: no [[article]] entries",
                             hint="add at least one [[article]] with title, url and summary")
    articles, links = [], set()
    for number, entry in enumerate(entries, 1):
        article = _article(entry, path, number)
        link = normalized_link(article.url)
        if link in links:
            raise EvergreenError(f"{path}: article {number}: url {article.url} is listed twice")
        links.add(link)
        articles.append(article)
    return tuple(articles)


def choose_evergreen(articles: tuple[Article, ...], *, mailed: Collection[str],
                     last_sent: Mapping[str, datetime]) -> Article | None:
    """The article to send: never one whose link was mailed in a regular issue (`mailed`,
    normalized links); among the rest, one never sent before (in list order), else the one
    sent longest ago (`last_sent`, by normalized link). None if every one was mailed."""
    candidates = [a for a in articles if normalized_link(a.url) not in mailed]
    never = [a for a in candidates if normalized_link(a.url) not in last_sent]
    if never:
        return never[0]
    return min(candidates, key=lambda a: last_sent[normalized_link(a.url)], default=None)


def _article(entry, path: Path, number: int) -> Article:
    if not isinstance(entry, dict):
        raise EvergreenError(f"{path}: article {number}: must be a table with title, url and "
                             "summary")
    table = Table(entry, path=path, prefix=f"article {number}: ", error=EvergreenError)
    table.only(KEYS, takes="an article")
    minutes = table.get("reading_minutes", int, 1)
    if not 1 <= minutes <= 120:
        table.fail("reading_minutes", f"must be a whole number from 1 to 120, not {minutes!r}")
    values = {}
    for key, required in KEYS.items():
        if key == "reading_minutes":
            continue
        value = table.get(key, str, "")
        value = one_line(value) if key != "summary" else clean_chars(value).strip()
        if required and not value:
            table.fail(key, "is missing")
        if key in ("url", "image") and value and not value.startswith(("https://", "http://")):
            table.fail(key, f"must be an absolute http(s) URL, not {value!r}")
        values[key] = value
    image = Image(values["image"], values["alt"] or values["title"]) if values["image"] else None
    return Article(id=EVERGREEN_PREFIX + normalized_link(values["url"]), title=values["title"],
                   url=values["url"], summary=values["summary"], image=image,
                   reading_minutes=minutes, origin="evergreen")
