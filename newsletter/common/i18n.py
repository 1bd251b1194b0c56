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
from babel.lists import format_list
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


def gettext(language: str, message: str, /, **values) -> str:
    """`message` in `language`, with %(name)s placeholders filled."""
    text = translations(language).gettext(message)
    return text % values if values else text


def ngettext(language: str, singular: str, plural: str, count: int, /, **values) -> str:
    text = translations(language).ngettext(singular, plural, count)
    return text % {"num": count, **values}


def long_date(day: date, language: str) -> str:
    """November 30, 2026 / 30 de noviembre de 2026."""
    return format_date(day, format="long", locale=_locale(language))


def number(value: float, language: str, *, digits: int | None = None) -> str:
    """1,234.5 / 1.234,5; with `digits`, exactly that many after the decimal mark."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(language))


def listed(items: list[str], language: str) -> str:
    """"A and B", "A, B and C" / "A y B": a list as the language writes one."""
    return format_list(list(items), locale=_locale(language))


def text_direction(language: str) -> str:
    """"rtl" for a language written right to left (Arabic, Hebrew, Persian...), else "ltr"."""
    return "rtl" if _locale(language).character_order == "right-to-left" else "ltr"


@cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


class Phrase(str):
    """English text that remembers its catalog entry and values, so that it can be said in
    the clinic's language where it is shown (the command line, the staff preview) while
    `str()` stays English for logs, tests and whoever made it without knowing the language.

    `Phrase("%(path)s: no such file", path=p)`; a plural as ngettext has it:
    `Phrase("%(num)d article", plural="%(num)d articles", count=n)`. A value that is itself
    a Phrase (an error's message inside a warning) is said in the same language.
    """

    msgid: str
    plural: str | None
    count: int | None
    values: dict

    def __new__(cls, msgid: str, /, *, plural: str | None = None, count: int | None = None,
                **values):
        english = _filled(msgid if plural is None or count == 1 else plural, count, values)
        text = super().__new__(cls, english)
        text.msgid, text.plural, text.count, text.values = msgid, plural, count, values
        return text

    def translated(self, language: str) -> str:
        if not self.msgid:  # gettext("") is the catalog's header, not a translation
            return str(self)
        catalog = translations(language)
        values = {key: translated(value, language) if isinstance(value, Phrase) else value
                  for key, value in self.values.items()}
        text = (catalog.gettext(self.msgid) if self.plural is None
                else catalog.ngettext(self.msgid, self.plural, self.count))
        try:
            return _filled(text, self.count, values)
        except (KeyError, ValueError, TypeError):  # a translation's placeholders gone wrong
            return str(self)


def translated(text: str, language: str) -> str:
    """`text` in `language` when it is a Phrase; any other text as it is."""
    return text.translated(language) if isinstance(text, Phrase) else str(text)


def joined(parts: list[str], separator: str) -> Phrase:
    """`parts` (Phrases or not) one after the other, each said in the language shown in."""
    msgid = separator.join(f"%(part{i})s" for i in range(len(parts)))
    return Phrase(msgid, **{f"part{i}": part for i, part in enumerate(parts)})


def phrase_data(text: str) -> str | dict:
    """A Phrase as JSON can keep it (a stored issue's warnings), plain text as it is."""
    if not isinstance(text, Phrase):
        return str(text)
    values = {key: phrase_data(value) if isinstance(value, Phrase) else
              value if isinstance(value, (int, float, bool, type(None))) else str(value)
              for key, value in text.values.items()}
    return {"msgid": text.msgid, "plural": text.plural, "count": text.count, "values": values}


def phrase_of(data: str | dict) -> str:
    """What phrase_data made, back as a Phrase (or plain text)."""
    if not isinstance(data, dict):
        return data
    values = {key: phrase_of(value) for key, value in data["values"].items()}
    return Phrase(data["msgid"], plural=data["plural"], count=data["count"], **values)


def _filled(text: str, count: int | None, values: dict) -> str:
    values = values if count is None else {"num": count, **values}
    return text % values if values else text
