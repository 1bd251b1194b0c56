"""The package's layout holds: rooms import only the rooms below them, no module imports
itself back round a circle, the edges (SQL, HTTP, SMTP, Flask, APScheduler) stay in their
rooms, the pure core never reads the clock, and every error is a NewsletterError."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import newsletter
from newsletter.common.errors import NewsletterError

PACKAGE = Path(newsletter.__file__).parent
BELOW = {
    "common": set(),
    "feed": {"common"},
    "social": {"common", "storage"},  # storage for posting/ only (the next tests hold it)
    "storage": {"common"},
    "issue": {"common", "feed", "social", "storage"},
    "audience": {"common", "storage", "issue"},
    "mail": {"common", "storage", "issue", "audience"},
    "delivery": {"common", "feed", "social", "storage", "issue", "audience", "mail"},
    "schedule": {"common", "feed", "social", "storage", "issue", "audience", "mail",
                 "delivery"},
    "web": {"common", "feed", "social", "storage", "issue", "audience", "mail", "delivery",
            "schedule"},
    "cli": {"common", "feed", "social", "storage", "issue", "audience", "mail", "delivery",
            "schedule", "web"},
}
"""Each room and the rooms it may import."""
EDGES = {
    "sqlalchemy": ("storage/", "audience/subscribers.py"),
    "httpx": ("feed/fetch.py", "social/posting/"),
    "smtplib": ("mail/transport.py",),
    "flask": ("web/",),
    "werkzeug": ("web/",),
    "waitress": ("cli/serve.py",),
    "apscheduler": ("schedule/",),
}
"""Libraries that reach the world, and the only places that may import them (sqlalchemy.exc,
to catch a database error, is allowed anywhere)."""
PURE = ("feed/", "social/", "issue/render.py", "issue/message.py", "issue/preview.py",
        "issue/clicks.py",
        "issue/archive.py", "issue/files.py", "common/")
NOT_PURE = ("feed/fetch.py", "social/posting/", "common/clock.py", "common/settings.py",
            "common/tomlfile.py")
WALL_CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
                    ("date", "today"), ("time", "time"), ("time", "time_ns")}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
               ("date", "today"), ("time", "time"), ("time", "monotonic"), ("time", "sleep")}


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name, e.g. newsletter.feed.parse."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """The modules of the package `name` imports, anywhere in it (inside functions too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if candidate in MODULES else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module.startswith("newsletter")}


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


MODULES = modules()
GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def test_the_package_lists_at_most_a_dozen_entries_each_a_room_or_its_init():
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(entries) <= 12, entries
    assert set(entries) - {"__init__.py"} == set(BELOW)


def test_every_room_says_what_it_does_and_what_it_may_import():
    for name in BELOW:
        doc = importlib.import_module(f"newsletter.{name}").__doc__ or ""
        assert len(doc.split()) >= 20, name
        assert "import" in doc.lower(), name


def test_no_room_imports_a_room_above_it():
    wrong = [(name, imported) for name, imported_modules in GRAPH.items()
             for imported in imported_modules
             if room(name) and room(imported) and room(imported) != room(name)
             and room(imported) not in BELOW[room(name)]]
    assert GRAPH and not wrong


def test_no_module_imports_itself_back_round_a_circle():
    def cycle_from(start: str) -> list[str] | None:
        path, seen = [start], set()

        def visit(module: str) -> list[str] | None:
            for nxt in sorted(GRAPH.get(module, ())):
                if nxt not in MODULES or nxt == module:
                    continue
                if nxt == start:
                    return path + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    path.append(nxt)
                    if found := visit(nxt):
                        return found
                    path.pop()
            return None

        return visit(start)

    assert len(MODULES) > 40
    for name in MODULES:
        if name.endswith("__init__") or MODULES[name].name == "__init__.py":
            continue  # a package's __init__ re-exporting its own modules is not a circle
        assert cycle_from(name) is None, cycle_from(name)


@pytest.mark.parametrize("library", sorted(EDGES))
def test_libraries_that_reach_the_world_stay_in_their_rooms(library):
    allowed = EDGES[library]
    wrong = []
    for name, path in MODULES.items():
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith(allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and
                     not node.level else [])
            wrong += [(where, n) for n in names
                      if n.split(".")[0] == library and not n.startswith("sqlalchemy.exc")]
    assert not wrong


def test_the_pure_core_never_reads_the_clock():
    wrong = []
    for name, path in MODULES.items():
        where = path.relative_to(PACKAGE).as_posix()
        if not where.startswith(PURE) or where.startswith(NOT_PURE):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    (node.value.id, node.attr) in CLOCK_READS:
                wrong.append((where, f"{node.value.id}.{node.attr}"))
            if isinstance(node, ast.Name) and node.id in ("utc_now", "make_msgid"):
                wrong.append((where, node.id))
    assert not wrong


def test_below_the_front_doors_only_common_clock_reads_the_wall_clock():
    """cli/, web/ and schedule/ hand the time down; a room below that read it itself (the
    posting clients once did, for Bluesky's record keys) could not be tested at any hour."""
    wrong = []
    for name, path in MODULES.items():
        where = path.relative_to(PACKAGE).as_posix()
        if room(name) in ("cli", "web", "schedule") or where == "common/clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    (node.value.id, node.attr) in WALL_CLOCK_READS:
                wrong.append((where, f"{node.value.id}.{node.attr}"))
    assert MODULES and not wrong


def test_the_snippets_import_no_storage():
    """social/ may import storage/ for its posting edge only; its snippets stay pure."""
    snippets = [name for name in MODULES if room(name) == "social"
                and not name.startswith("newsletter.social.posting")]
    wrong = [(name, imported) for name in snippets for imported in GRAPH[name]
             if room(imported) == "storage"]
    assert len(snippets) >= 6 and not wrong


def test_every_error_the_package_defines_is_a_newsletter_error():
    errors = []
    for info in pkgutil.walk_packages(newsletter.__path__, "newsletter."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        errors += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                   if issubclass(cls, BaseException) and cls.__module__ == info.name]
    assert len(errors) >= 15
    assert [cls for cls in errors if not issubclass(cls, NewsletterError)] == []
