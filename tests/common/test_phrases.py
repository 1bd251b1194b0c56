"""Errors and warnings are English to whoever logs or tests them, and said in the clinic's
language where they are shown; a stored issue keeps its warnings sayable."""

import dataclasses
from datetime import datetime, timezone

from newsletter.common.errors import FeedError
from newsletter.common.i18n import Phrase, joined, phrase_data, phrase_of, translated
from newsletter.common.settings import Settings
from newsletter.issue.build import build_next_issue
from newsletter.issue.preview import preview_of
from newsletter.storage.store import Store


def test_an_error_is_english_as_text_and_spanish_when_said():
    error = FeedError("%(url)s: not a feed", url="https://clinic.example/feed",
                      hint="point feed.source at the RSS, Atom or JSON Feed address of the blog")
    assert str(error) == "https://clinic.example/feed: not a feed"
    assert error.message.translated("es") == "https://clinic.example/feed: no es un feed"
    assert error.hint.translated("es").startswith("ponga en feed.source")
    assert translated(error.hint, "en") == error.hint


def test_an_error_told_on_one_line_is_its_message_and_hint_in_the_language():
    error = FeedError("%(url)s: not a feed", url="https://clinic.example/feed",
                      hint="point feed.source at the RSS, Atom or JSON Feed address of the blog")
    assert error.told("en") == f"{error} ({error.hint})"
    assert error.told("es") == (f"{error.message.translated('es')} "
                                f"({error.hint.translated('es')})")
    assert error.told("es").startswith("https://clinic.example/feed: no es un feed (ponga ")
    bare = FeedError("%(url)s: not a feed", url="https://clinic.example/feed")
    assert bare.told("es") == "https://clinic.example/feed: no es un feed"  # no " ()"
    assert bare.hint.translated("es") == ""  # not the catalog's header, gettext's answer to ""


def test_a_phrase_inside_a_phrase_and_plurals_are_said_in_the_same_language():
    reason = Phrase("the linked feed failed: %(why)s",
                    why=Phrase("%(url)s: not a feed", url="https://x.example/feed"))
    assert translated(reason, "es") == ("falló el feed enlazado: https://x.example/feed: "
                                        "no es un feed")
    one = Phrase("%(num)d subscriber(s)", plural="%(num)d subscriber(s)", count=1)
    many = Phrase("%(num)d subscriber(s)", plural="%(num)d subscriber(s)", count=5)
    assert (str(one), str(many)) == ("1 subscriber(s)", "5 subscriber(s)")
    assert (one.translated("es"), many.translated("es")) == ("1 suscriptor", "5 suscriptores")
    parts = joined([Phrase("connection refused"), "plain words"], "; ")
    assert (str(parts), parts.translated("es")) == ("connection refused; plain words",
                                                    "conexión rechazada; plain words")


def test_a_phrase_survives_json_and_text_stays_text():
    warning = Phrase("first run: %(num)d older article(s) are remembered as already published "
                     "and will not be mailed", plural="first run: %(num)d older article(s) are "
                     "remembered as already published and will not be mailed", count=8)
    back = phrase_of(phrase_data(warning))
    assert back == warning and back.translated("es").startswith("primera ejecución: 8 ")
    assert phrase_of(phrase_data("a note staff typed")) == "a note staff typed"


def test_a_stored_issue_s_warnings_are_said_in_spanish_in_its_preview(tmp_path):
    base = Settings(base_dir=tmp_path)
    settings = dataclasses.replace(
        base, clinic=dataclasses.replace(base.clinic, language="es"),
        store=dataclasses.replace(base.store, database_url="sqlite:///state.db"))
    store = Store.open(settings.database_url)
    now = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)
    issue = build_next_issue(settings, store, now=now).issue
    stored = store.issues.by_id(issue.id)
    assert any(w.startswith("first run: 8 older article(s)") for w in stored.warnings)
    shown = preview_of(stored, settings, secret="a-test-secret-key-0123456789").warnings
    assert any(w.startswith("primera ejecución: 8 artículos anteriores") for w in shown)
    assert not any("first run" in w for w in shown)
