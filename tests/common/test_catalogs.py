"""Every fixed string goes through the catalogs, Spanish is complete, a Spanish issue has no
English left in it and passes the email checklist, and a right-to-left language sets dir."""

import dataclasses
import re

import lxml.html
import pytest

from newsletter.common.i18n import gettext, long_date, number, text_direction
from newsletter.common.settings import Settings
from tools import catalog

from .. import checklist
from ..helpers import rendered, sample_articles


def spanish() -> Settings:
    settings = Settings()
    return dataclasses.replace(settings, clinic=dataclasses.replace(settings.clinic,
                                                                    language="es"))


def test_the_spanish_catalog_translates_every_string_of_the_code_and_templates():
    template = catalog.extracted()
    assert len([m for m in template if m.id]) > 60  # the strings really are extracted
    assert catalog.languages() == ["es"]
    assert catalog.missing("es", template) == []


def test_dates_and_numbers_follow_the_language():
    from datetime import date

    assert long_date(date(2026, 11, 30), "es") == "30 de noviembre de 2026"
    assert long_date(date(2026, 11, 30), "en") == "November 30, 2026"
    assert (number(1234.5, "es"), number(1234.5, "en")) == ("1.234,5", "1,234.5")


def english_fragments() -> list[str]:
    """The catalog's English text between its placeholders, long enough to be telling."""
    fragments = set()
    for message in catalog.extracted():
        for text in ([message.id] if isinstance(message.id, str) else message.id or []):
            for part in re.split(r"%\(\w+\)[sd]", text):
                part = part.strip(" .,:;?“”")
                if len(part) >= 4 and part not in ("Hola",):
                    fragments.add(part)
    return sorted(fragments)


def test_no_english_string_is_left_in_a_spanish_issue():
    articles = sample_articles()[:3]
    result, html, _ = rendered(articles, spanish(), note="")
    document = lxml.html.document_fromstring(html)
    shown = " ".join([document.find(".//title").text_content(),
                      *document.body.text_content().split()])
    text = " ".join(re.sub(r"https?://\S+", "", result.text).split())
    for article in articles:  # the feed's own words are the clinic's, in its language
        for words in (article.title, article.summary, article.image.alt if article.image
                      else "", article.author):
            shown, text = shown.replace(words, ""), text.replace(words, "")
    fragments = english_fragments()
    assert len(fragments) > 60
    left = [f for f in fragments if re.search(rf"\b{re.escape(f)}\b", f"{shown} {text}")]
    assert left == []
    assert "Hola, Ana:" in shown and "min de lectura" in shown and "noviembre" in shown
    assert "November" not in shown and " min read" not in text
    assert '<html lang="es" dir="ltr"' in html


def test_the_spanish_sample_issue_passes_the_email_checklist():
    _, html, expect = rendered(sample_articles()[:3], spanish())
    expect = dataclasses.replace(expect, reason="porque se suscribió",
                                 unsubscribe_word=gettext("es", "Unsubscribe"))
    assert expect.unsubscribe_word == "Cancelar la suscripción"
    assert checklist.problems(html, expect) == []


@pytest.mark.parametrize("language, direction", [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"),
                                                 ("es", "ltr"), ("en-US", "ltr")])
def test_the_direction_comes_from_the_language(language, direction):
    assert text_direction(language) == direction


def test_a_right_to_left_language_sets_dir_rtl_on_the_email_and_the_pages(tmp_path):
    from ..web_setup import make_site

    settings = Settings()
    arabic = dataclasses.replace(settings, clinic=dataclasses.replace(settings.clinic,
                                                                      language="ar"))
    _, html, _ = rendered(sample_articles()[:3], arabic)
    assert '<html lang="ar" dir="rtl"' in html and 'lang="ar" dir="rtl" class="email-bg"' in html
    site = make_site(tmp_path, extra='language = "ar"\n')
    for path in ("/subscribe", "/archive", "/staff/"):
        assert '<html lang="ar" dir="rtl">' in site.client.get(path).text, path


def test_an_unknown_language_is_a_config_error(tmp_path):
    from newsletter.common.errors import ConfigError
    from newsletter.common.settings import load_settings

    (tmp_path / "newsletter.toml").write_text('[clinic]\nlanguage = "klingon"\n')
    with pytest.raises(ConfigError, match="clinic.language"):
        load_settings(tmp_path / "newsletter.toml")


def test_the_patient_and_staff_pages_in_spanish_have_no_english_left(tmp_path):
    from newsletter.audience.optin import confirm_token
    from newsletter.common.tokens import unsubscribe_token
    from newsletter.issue.approval import fingerprint

    from ..sending_setup import SECRET
    from ..web_setup import add_person, make_site

    site = make_site(tmp_path, extra='language = "es"\n')
    person = add_person(site, "ana@mail.example", "Ana")
    pending = add_person(site, "nuevo@mail.example", status="pending")
    site.client.get("/staff/")
    issue = site.store.issues.open()
    paths = ["/subscribe", "/archive", "/unsubscribe", "/unsubscribe/changed",
             f"/unsubscribe/{unsubscribe_token(SECRET, person)}",
             f"/confirm/{confirm_token(SECRET, pending, now=site.clock())}",
             "/archive/none", "/staff/subscribers?q=ana", "/staff/sends",
             f"/staff/send?issue={fingerprint(issue)}"]
    fragments = english_fragments()
    for path in paths:
        page = lxml.html.document_fromstring(site.client.get(path).text)
        shown = " ".join(page.body.text_content().split()).replace(issue.subject, "").replace(
            "subscribers.csv", "").replace("newsletter send", "")  # a file, a command
        shown = re.sub(r"(?<!\S)/\S+", "", shown)  # a folder (the outbox's)
        left = [f for f in fragments if re.search(rf"\b{re.escape(f)}\b", shown)]
        assert left == [], path
        assert page.get("lang") == "es"
