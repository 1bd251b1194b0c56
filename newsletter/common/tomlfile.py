"""One way to read a TOML file a person wrote (the config, a schedule, the evergreen list):
read it, decode it, then take its tables key by key. Every mistake is one error that names
the file and the key, and says what was expected."""

from __future__ import annotations

import functools
import tomllib
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from .errors import ConfigError
from .i18n import Phrase

MISSING = object()
_TYPE_NAMES = {str: Phrase("a string"), int: Phrase("a whole number"), float: Phrase("a number"),
               bool: Phrase("true or false"), dict: Phrase("a table")}
_LIST_NAMES = {str: Phrase("a list of strings")}


def read_toml(path: Path, *, what: str, error: type[ConfigError] = ConfigError,
              missing_hint: str = "") -> dict:
    """The tables of the file at `path`, which a message calls "the `what`"."""
    return parse_toml(read_text(path, what=what, error=error, missing_hint=missing_hint),
                      path, error=error)


def read_text(path: Path, *, what: str, error: type[ConfigError] = ConfigError,
              missing_hint: str = "") -> str:
    """The UTF-8 text of the file at `path`, or one error saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(Phrase("%(path)s: no such %(what)s", path=path, what=what),
                    hint=missing_hint) from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(Phrase("%(path)s: cannot read the %(what)s: %(why)s", path=path, what=what,
                           why=problem)) from None


def parse_toml(text: str, path: Path | str, *, error: type[ConfigError] = ConfigError) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(Phrase("%(path)s: not valid TOML: %(why)s", path=path, why=problem)) from None


class Table:
    """One table of a file, read by key and type. `prefix` names where the table is in the
    file ("clinic.", "article 2: "), so each message points at the very key."""

    def __init__(self, values: dict, *, path: Path | str, prefix: str = "",
                 error: type[ConfigError] = ConfigError):
        self.values, self.path, self.prefix, self.error = values, path, prefix, error

    def fail(self, key: str, why: str, hint: str = "") -> NoReturn:
        raise self.error(Phrase("%(path)s: %(key)s %(why)s", path=self.path,
                                key=f"{self.prefix}{key}", why=why), hint=hint)

    def only(self, known: Iterable[str], *, takes: str) -> None:
        """Every key is one of `known`: a typo is an error, never silently ignored."""
        known = tuple(known)
        for key in self.values:
            if key not in known:
                self.fail(key, Phrase("is not a known key"),
                          hint=Phrase("%(takes)s takes: %(keys)s", takes=takes,
                                      keys=", ".join(known)))

    def get(self, key: str, kind, default=MISSING):
        """The value of `key`, which must be of type `kind` (str, int, float, bool, dict, a
        union of them); `default` when absent, else absent is an error. An int is a float
        here, and true is never a number."""
        if key not in self.values:
            if default is MISSING:
                self.fail(key, Phrase("is missing"))
            return default
        value = self.values[key]
        if not _has_type(value, kind):
            self.fail(key, Phrase("must be %(kind)s, not %(type)s %(value)r", kind=type_name(kind),
                                  type=type(value).__name__, value=value))
        if kind is float:
            return float(value)
        return tuple(value) if typing.get_origin(kind) is tuple else value


def type_name(kind) -> str:
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        return _LIST_NAMES.get(item) or f"a list of {type_name(item).removeprefix('a ')}s"
    if isinstance(kind, types.UnionType):
        names = [type_name(option) for option in typing.get_args(kind)
                 if option is not type(None)]
        return functools.reduce(lambda one, other: Phrase("%(one)s or %(other)s", one=one,
                                                          other=other), names)
    return _TYPE_NAMES.get(kind, getattr(kind, "__name__", str(kind)))


def _has_type(value, kind) -> bool:
    if typing.get_origin(kind) is tuple:  # tuple[str, ...]: a TOML array of that type
        return isinstance(value, list) and all(_has_type(v, typing.get_args(kind)[0])
                                               for v in value)
    if isinstance(kind, types.UnionType):
        return any(_has_type(value, option) for option in typing.get_args(kind))
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)
