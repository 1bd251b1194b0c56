"""Every fixed string goes through the catalogs, Spanish is complete, a Spanish issue has no
English left in it and passes the email checklist, and a right-to-left language sets dir.
A Spanish clinic's pages, staff's and patients', have neither the catalog's English nor
any English the code writes itself: no word of a Spanish page is also on the same page of
an English clinic, but for the data and the words both languages spell alike."""

import dataclasses
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

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


SAME_IN_BOTH = {"blog", "error", "general", "byte", "min", "use", "Gmail", "Excel", "Mailchimp"}
"""Words that Spanish spells as English does ("use" is "use el enlace"), and names: the only
words a Spanish page may share with the same page in English."""


def english_fragments() -> list[str]:
    """The catalog's English text between its placeholders, long enough to be telling."""
    fragments = set()
    for message in catalog.extracted():
        for text in ([message.id] if isinstance(message.id, str) else message.id or []):
            for part in re.split(r"%\(\w+\)[sd]", text):
                part = part.strip(" .,:;?“”")
                if len(part) >= 4 and part not in SAME_IN_BOTH | {"Hola"}:
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


PATIENTS = ("Ana", "Beto", "Carla")


def clinic_pages(folder: Path, language: str) -> tuple[dict[str, str], list[str]]:
    """Every page of a clinic speaking `language`, staff's and patients', in the states a
    person gets them in (a Send now stopped, running and finished, an import report and an
    import error, a refused action's message, the last step of unsubscribing and of
    confirming, the sign-up limit); and the data on them: the clinic's, the feed's and the
    patients' own words."""
    from newsletter.audience.optin import confirm_token
    from newsletter.common.tokens import unsubscribe_token
    from newsletter.issue.approval import fingerprint
    from newsletter.issue.message import SAMPLE_READER
    from newsletter.social.counting import PLATFORMS

    from ..sending_setup import SECRET
    from ..smtpserver import SmtpServer
    from ..web_setup import add_person, csrf_of, form_token, make_site

    pages = {}
    with SmtpServer() as smtp:
        smtp.faults.hold_data = 2  # the server sits on the second message: a send under way
        site = make_site(folder, smtp_port=smtp.port,
                         extra=f'language = "{language}"\n[analytics]\nclicks = true\n')
        client, sends = site.client, site.app.extensions["newsletter"].sends
        pending = add_person(site, "nuevo@mail.example", "Nuevo", status="pending")
        pages["staff preview"] = client.get("/staff/").text
        issue = site.store.issues.open()
        form = {"csrf_token": csrf_of(pages["staff preview"]), "issue": fingerprint(issue),
                "name": "Dana"}
        pages["staff send confirmation"] = client.get(f"/staff/send?issue={form['issue']}").text
        pages["error page: a stale link"] = client.get("/staff/send?issue=stale").text
        client.post("/staff/send", data=form)  # nobody is active yet: the send stops
        sends.join(timeout=60)
        pages["sends, a send stopped"] = client.get("/staff/sends").text
        people = [add_person(site, f"{name.lower()}@mail.example", name) for name in PATIENTS]
        client.post("/staff/send", data=form)
        assert smtp.hold.reached.wait(timeout=60)
        pages["sends, a send running"] = client.get("/staff/sends").text
        pages["preview, a second send refused"] = client.post(
            "/staff/send", data=form, follow_redirects=True).text
        smtp.hold.release.set()
        sends.join(timeout=60)
        pages["sends, a send finished"] = client.get("/staff/sends").text
        assert smtp.count_by_recipient() == {f"{n.lower()}@mail.example": 1 for n in PATIENTS}
        pages["staff preview, nothing new"] = client.get("/staff/").text
        pages["staff archive"] = client.get("/staff/archive").text
        token = form_token(client, "/staff/subscribers")
        for name, csv in (("import report", b"email,name,tags\nbob,Bob,\nd@mail.example,Dee,vip!"),
                          ("import error", b"\xff\xfe\x00not text")):
            pages[name] = client.post("/staff/subscribers/import", data={
                "csrf_token": token, "file": (io.BytesIO(csv), "patients.csv")}).text
        pages["subscribers, a refused address"] = client.post(
            "/staff/subscribers/add", data={"csrf_token": token, "email": "carla@"},
            follow_redirects=True).text
        pages["staff subscribers, found"] = client.get("/staff/subscribers?q=ana").text
        unsubscribe = f"/unsubscribe/{unsubscribe_token(SECRET, people[0])}"
        confirm = f"/confirm/{confirm_token(SECRET, pending, now=site.clock())}"
        for path in ("/subscribe", "/archive", "/unsubscribe", "/unsubscribe/changed",
                     unsubscribe, confirm, "/archive/none", f"/archive/{issue.slug}"):
            pages[path] = client.get(path).text
        for name, path in (("unsubscribed", unsubscribe), ("confirmed", confirm)):
            pages[name] = client.post(path, data={"csrf_token": csrf_of(pages[path])}).text
        token = form_token(client, "/subscribe")
        for n in range(31):  # the sign-ups one client may make in 10 minutes, and one more
            limit = client.post("/subscribe", data={"csrf_token": token,
                                                    "email": f"patient{n}@mail.example"})
        assert limit.status_code == 429
        pages["sign-up limit"] = limit.text
    clinic = site.settings.clinic
    data = [clinic.name, clinic.postal_address, clinic.phone, urlsplit(clinic.website).hostname,
            *(a.title for a in issue.articles), *(a.summary for a in issue.articles),
            issue.subject, issue.preheader, *PLATFORMS, *(p.label for p in PLATFORMS.values()),
            *SAMPLE_READER.name.split(), *PATIENTS, "ana", "Nuevo", "Dana", "Bob", "bob", "Dee",
            "vip!", "patients.csv", "subscribers.csv", "newsletter send",
            "[analytics] clicks = true"]
    return pages, data


@pytest.fixture(scope="module")
def pages_in(tmp_path_factory):
    """The same clinic's pages in English and in Spanish: {language: (pages, data)}."""
    return {language: clinic_pages(tmp_path_factory.mktemp(language), language)
            for language in ("en", "es")}


def visible_text(html: str) -> str:
    """What a page shows or reads out: its title, its body's text, and the labels,
    placeholders and alt texts of its elements, the social snippets' text among them."""
    page = lxml.html.document_fromstring(html)
    for hidden in page.xpath("//script | //style"):
        hidden.drop_tree()
    said = [page.findtext(".//title") or "", *page.body.itertext()]
    said += page.xpath("//@aria-label | //@placeholder | //@title | //@alt")
    return " ".join(" ".join(said).split())


def without_data(text: str, data: list[str]) -> str:
    """`text` without the clinic's, the feed's and the patients' words, and without any
    address, path, `command`, or name in capitals (HTML, SMTP, an environment variable)."""
    text = re.sub(r"https?://\S+|\S+@\S*|(?<!\S)/\S+|`[^`]*`", " ", text)
    for words_of_data in sorted(data, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(words_of_data)}(?!\w)", " ", text)
    return re.sub(r"\b[A-Z][A-Z0-9_]{2,}\b", " ", text)


def test_the_patient_and_staff_pages_in_spanish_have_no_english_left(pages_in):
    """No English of the catalog is left on a Spanish page."""
    pages, data = pages_in["es"]
    assert len(pages) == 24
    fragments = english_fragments()
    for name, html in pages.items():
        shown = without_data(visible_text(html), data)
        left = [f for f in fragments if re.search(rf"\b{re.escape(f)}\b", shown)]
        assert left == [], name
        assert lxml.html.document_fromstring(html).get("lang") == "es", name


def words(text: str, data: list[str]) -> set[str]:
    """The words of `text`, three letters or more, that are not data."""
    return set(re.findall(r"\b[^\W\d_]{3,}\b", without_data(text, data)))


def test_a_spanish_page_shares_no_word_with_the_same_page_in_english(pages_in):
    """Hard-coded English (a status, a count, an error's prefix) is on the page whatever the
    language, so it is in both; the catalog cannot know it, the English page can."""
    (english, english_data), (spanish, data) = pages_in["en"], pages_in["es"]
    assert english.keys() == spanish.keys()
    shared = {name: sorted(words(visible_text(spanish[name]), data)
                           & words(visible_text(english[name]), english_data) - SAME_IN_BOTH)
              for name in spanish}
    assert {name: found for name, found in shared.items() if found} == {}
    said = {name: visible_text(html) for name, html in spanish.items()}
    assert "no hay suscriptores activos a quienes enviar (agregue " in said[
        "sends, a send stopped"]
    assert 'http-equiv="refresh"' in spanish["sends, a send running"]
    assert "ya se está enviando; no puede cambiar (un envío que " in said[
        "preview, a second send refused"]  # told(): the message, then the hint in brackets
    assert "3 enviados, 0 fallidos, 0 omitidos, 0 aplazados" in said["sends, a send finished"]
    assert "Envío del número " in said["sends, a send finished"]
    assert ": completo" in said["sends, a send finished"]
    assert "línea 2: 'bob' — falta la @" in said["import report"]
    assert "sugerencia: guárdelo como UTF-8" in said["import error"]
    assert "Hola:" in said[next(name for name in said if name.startswith("/archive/2"))]
