"""The translation catalogs: every fixed string of the package and its templates, extracted
with Babel, and each language's messages.po brought up to date with them.

    python -m tools.catalog          # update newsletter/common/locale/*/LC_MESSAGES/*.po
    python -m tools.catalog --check    # exit 1 if a catalog lacks a string or a translation

New strings arrive untranslated (empty msgstr) and `--check` (and tests/common/
test_catalogs.py) says which.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "newsletter" / "common" / "locale"
TEMPLATES = [("templates/email/**.html", "jinja2"), ("templates/email/**.txt", "jinja2"),
             ("templates/web/**.html", "jinja2"), ("templates/social/**.txt", "jinja2")]
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
PYTHON_KEYWORDS = {"_": None, "_n": (1, 2), "gettext": (2,), "ngettext": (2, 3)}
"""`_(message)` in the web and cli packages, `_n(singular, plural, count)` in cli;
`gettext(language, message)` and `ngettext(language, singular, plural, count)` of
common/i18n.py. Templates use gettext's own arguments. Phrases and errors: `phrases()`."""


def extracted() -> Catalog:
    catalog = Catalog(project="clinic-newsletter", charset="utf-8")
    found = [*extract_from_dir(ROOT, [("newsletter/**.py", "python")],
                               keywords=PYTHON_KEYWORDS),
             *extract_from_dir(ROOT, TEMPLATES, options_map={"**": JINJA})]
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    for filename, lineno, message in phrases():
        catalog.add(message, None, [(filename, lineno)])
    return catalog


def phrases() -> list[tuple[str, int, str | tuple[str, str]]]:
    """The messages of `Phrase(...)` and of the errors: the literal message and `hint=` of a
    call to any NewsletterError class (or of its `super().__init__`), said where shown."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted((ROOT / "newsletter").rglob("*.py"))}
    errors = _error_classes(trees.values())
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            keyword = {k.arg: k.value for k in node.keywords}
            if name == "Phrase" and node.args and _literal(node.args[0]):
                plural = keyword.get("plural")
                found.append((path, node.lineno, (node.args[0].value, plural.value)
                              if plural is not None and _literal(plural) else node.args[0].value))
            elif name in errors or name == "super().__init__":
                texts = ([node.args[0]] if node.args else []) + [keyword.get("hint")]
                found += [(path, node.lineno, text.value) for text in texts
                          if text is not None and _literal(text) and text.value]
    return [(path.relative_to(ROOT).as_posix(), line, message) for path, line, message in found]


def _error_classes(trees) -> set[str]:
    """The names of NewsletterError and every class derived from it, however far down."""
    bases = {node.name: {_called(ast.Call(func=b, args=[], keywords=[])) for b in node.bases}
             for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    names = {"NewsletterError"}
    while grown := {name for name, of in bases.items() if of & names} - names:
        names |= grown
    return names


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Call) and getattr(func.value.func, "id", "") == "super":
            return f"super().{func.attr}"
        return func.attr
    return getattr(func, "id", "")


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


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
