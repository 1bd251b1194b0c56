"""Languages: the gettext catalogs every fixed string goes through, dates and numbers as the
clinic's language writes them, and which way it is written.

`clinic.language` picks the catalog: common/locale/<language>/LC_MESSAGES/messages.po
(English, the language of the source, needs none). A catalog is compiled in memory when
first used, so there is no .mo file to keep in step. A language Babel knows but with no
catalog gets English words with its own dates, numbers and direction.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def known_language(language: str) -> bool:
    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def catalog_path(language: str) -> Path:
    return LOCALES / _locale(language).language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of `language` (its primary subtag), or none for English or a language
    without one: gettext then returns the English source text."""
    path = catalog_path(language)
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as file:
        catalog = read_po(file, locale=_locale(language).language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(language: str, message: str, **values) -> str:
    """`message` in `language`, with %(name)s placeholders filled."""
    text = translations(language).gettext(message)
    return text % values if values else text


def ngettext(language: str, singular: str, plural: str, count: int, **values) -> str:
    text = translations(language).ngettext(singular, plural, count)
    return text % {"num": count, **values}


def long_date(day: date, language: str) -> str:
    """November 30, 2026 / 30 de noviembre de 2026."""
    return format_date(day, format="long", locale=_locale(language))


def number(value: float, language: str, *, digits: int | None = None) -> str:
    """1,234.5 / 1.234,5; with `digits`, exactly that many after the decimal mark."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(language))


def text_direction(language: str) -> str:
    """"rtl" for a language written right to left (Arabic, Hebrew, Persian...), else "ltr"."""
    return "rtl" if _locale(language).character_order == "right-to-left" else "ltr"


@cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")
