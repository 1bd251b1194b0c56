"""The translation catalogs: every fixed string of the package and its templates, extracted
with Babel, and each language's messages.po brought up to date with them.

    python -m tools.catalog          # update newsletter/common/locale/*/LC_MESSAGES/*.po
    python -m tools.catalog --check    # exit 1 if a catalog lacks a string or a translation

New strings arrive untranslated (empty msgstr) and `--check` (and tests/common/
test_catalogs.py) says which.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "newsletter" / "common" / "locale"
TEMPLATES = [("templates/email/**.html", "jinja2"), ("templates/email/**.txt", "jinja2"),
             ("templates/web/**.html", "jinja2")]
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
PYTHON_KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (2, 3)}
"""`_(message)` in the web package; `gettext(language, message)` and `ngettext(language,
singular, plural, count)` of common/i18n.py. Templates use gettext's own arguments."""


def extracted() -> Catalog:
    catalog = Catalog(project="clinic-newsletter", charset="utf-8")
    found = [*extract_from_dir(ROOT, [("newsletter/**.py", "python")],
                               keywords=PYTHON_KEYWORDS),
             *extract_from_dir(ROOT, TEMPLATES, options_map={"**": JINJA})]
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))


def read(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def missing(language: str, template: Catalog | None = None) -> list[str]:
    """Every extracted message the language's catalog does not translate."""
    template = template or extracted()
    catalog = read(language)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not found.string or (
                isinstance(found.string, tuple) and not all(found.string)):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def update() -> None:
    template = extracted()
    for language in languages():
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("wb") as file:
            write_po(file, catalog, width=100, omit_header=False, ignore_obsolete=True)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        template = extracted()
        gaps = {language: missing(language, template) for language in languages()}
        for language, messages in gaps.items():
            for message in messages:
                print(f"{language}: not translated: {message!r}")
        return 1 if any(gaps.values()) else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
