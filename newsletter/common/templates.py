"""The Jinja environment every stage renders with (email, social snippets, web pages), and
where the templates the clinic edits live. Rendering itself belongs to each stage."""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from .i18n import long_date, text_direction, translations

PACKAGE = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """Templates travel inside the wheel (newsletter/templates); in a source checkout they are
    the top-level templates/ folder the clinic edits."""
    packaged = PACKAGE / "templates"
    return packaged if packaged.is_dir() else PACKAGE.parent / "templates"


@cache
def environment(folder: Path | None = None, language: str = "en") -> jinja2.Environment:
    """Autoescaped, strict about undefined names, speaking `language` (`_()` in a template
    is gettext from its catalog, newstyle: placeholders are escaped), and cached per folder
    and language: compiling a template costs more than rendering it."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder or templates_dir()),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    install_language(env, language)
    env.filters["host"] = lambda url: urlsplit(url).hostname or url
    env.filters["wrap"] = lambda text: "\n".join(
        textwrap.fill(line, 72, break_long_words=False, break_on_hyphens=False)
        for line in str(text).split("\n"))
    return env


def install_language(env: jinja2.Environment, language: str) -> None:
    """gettext, the date filter and the text direction of `language` in `env` (the email
    environment, and Flask's for the web pages)."""
    env.install_gettext_translations(translations(language), newstyle=True)
    env.filters["long_date"] = lambda day: long_date(day, language)
    env.globals.update(language=language, text_direction=text_direction(language))
