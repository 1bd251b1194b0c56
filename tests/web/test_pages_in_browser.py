"""Every staff and patient page, and the emails, in real headless Chromium at a phone's
375 px and a desktop's 1,280 px, light and dark: nothing overflows sideways, and axe-core's
WCAG 2.1 A and AA rules find no violation. That is the issue as staff preview it, the
confirmation and welcome emails, the patients' pages in English and in Spanish with the
"done" states and the sign-up limit, the empty preview, the sends page after a Send now,
and the import report."""

from __future__ import annotations

import email
import email.policy
import re
import threading

import pytest
from werkzeug.serving import make_server

from newsletter.audience.optin import confirm_token
from newsletter.common.tokens import unsubscribe_token
from newsletter.delivery.sending import send_next_issue
from newsletter.issue.approval import fingerprint
from newsletter.mail.transport import transport_for

from ..browser import answer_images_locally, chromium
from ..helpers import item
from ..sending_setup import SECRET
from ..web_setup import BASE_URL, add_person, csrf_of, form_token, make_site

pytestmark = pytest.mark.usefixtures("each_database")

WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def serve(site):
    """`site` over real HTTP on 127.0.0.1; its address, and a function that stops it."""
    server = make_server("127.0.0.1", 0, site.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def emails_to(site, address: str) -> dict[str, str]:
    """Sign `address` up and confirm it, as a patient does: the HTML of the confirmation
    email and of the welcome email, from the clinic's outbox."""
    token = form_token(site.client, "/subscribe")
    site.client.post("/subscribe", data={"csrf_token": token, "email": address, "name": "Nora"})
    confirmation, = site.folder.glob("outbox/confirm/*.eml")
    link = re.search(rf"{re.escape(BASE_URL)}(/confirm/[\w.-]+)", html_of(confirmation)).group(1)
    site.client.post(link, data={"csrf_token": form_token(site.client, link)})
    welcome, = site.folder.glob("outbox/welcome/*.eml")
    return {"confirmation email": html_of(confirmation), "welcome email": html_of(welcome)}


def html_of(path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message.get_body(("html",)).get_content()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Two clinics served over real HTTP on 127.0.0.1, and the address of every page worth
    looking at. The English one has a sent issue, a new open one and subscribers of every
    kind. The Spanish one sent its issue with Send now (so its sends page shows the panel
    and its preview has nothing new), and its sign-up form has hit the limit for this
    client. Beside them, each clinic's confirmation and welcome emails."""
    welcome = "[welcome]\nenabled = true\n"
    folder = tmp_path_factory.mktemp("clinic")
    site = make_site(folder, items=[item(1, 20), item(2, 21)],
                     extra=f'logo_url = ""\n[analytics]\nclicks = true\n{welcome}')
    emails = {f"en: {name}": html for name, html in
              emails_to(site, "nora.reader@mail.example").items()}
    active = add_person(site, "ana.lopez@mail.example", "Ana Lopez")
    pending = add_person(site, "new.reader@mail.example", "New Reader", status="pending")
    send_next_issue(site.settings, site.store, transport_for(site.settings), clock=site.clock)
    sent = site.store.issues.last_sent()
    (folder / "feed.xml").write_bytes(  # a new article: the next issue
        (folder / "feed.xml").read_bytes().replace(b"<item>", b"<item><title>Article number 3"
                                                   b"</title><link>https://clinic.example/blog/"
                                                   b"post-3</link><guid isPermaLink=\"false\">"
                                                   b"post-3</guid><pubDate>23 Nov 2026 14:00:00"
                                                   b" GMT</pubDate><description>New.</description>"
                                                   b"</item><item>", 1))
    site.client.get("/staff/")
    issue = site.store.issues.open()

    spanish = make_site(tmp_path_factory.mktemp("clinica"),
                        extra=f'language = "es"\nlogo_url = ""\n{welcome}')
    emails |= {f"es: {name}": html for name, html in
               emails_to(spanish, "nora.lectora@mail.example").items()}
    lectora = add_person(spanish, "lucia.diaz@mail.example", "Lucía Díaz")
    nueva = add_person(spanish, "nueva@mail.example", "Nueva", status="pending")
    preview = spanish.client.get("/staff/").text
    seen = fingerprint(spanish.store.issues.open())
    spanish.client.post("/staff/send", data={"csrf_token": csrf_of(preview), "issue": seen,
                                             "name": "Dana"})
    spanish.app.extensions["newsletter"].sends.join(timeout=60)
    enviado = spanish.store.issues.last_sent()
    assert enviado is not None
    token = form_token(spanish.client, "/subscribe")
    for n in range(30):  # the sign-ups one client address may make in 10 minutes
        spanish.client.post("/subscribe", data={"csrf_token": token,
                                                "email": f"paciente{n}@mail.example"})

    base, stop = serve(site)
    base_es, stop_es = serve(spanish)
    paths = {
        "staff preview": "/staff/",
        "staff preview, phone frame": "/staff/?layout=phone&scheme=dark",
        "staff send confirmation": f"/staff/send?issue={fingerprint(issue)}",
        "staff subscribers": "/staff/subscribers?q=a",
        "staff sends": "/staff/sends",
        "staff archive, clicks per article": "/staff/archive",
        "subscribe": "/subscribe",
        "confirm": f"/confirm/{confirm_token(SECRET, pending, now=site.clock())}",
        "unsubscribe": f"/unsubscribe/{unsubscribe_token(SECRET, active)}",
        "unsubscribe help": "/unsubscribe",
        "bad link": "/unsubscribe/changed",
        "archive": "/archive",
        "archived issue": f"/archive/{sent.slug}",
        "not found": "/archive/nothing-here",
        "email, light": f"/staff/preview/{issue.id}/email.html?scheme=light",
        "email, dark": f"/staff/preview/{issue.id}/email.html?scheme=dark",
    }
    urls = {name: base + path for name, path in paths.items()}
    paths_es = {
        "staff preview, nothing new": "/staff/",
        "staff sends, after a Send now": "/staff/sends",
        "subscribe": "/subscribe",
        "confirm": f"/confirm/{confirm_token(SECRET, nueva, now=spanish.clock())}",
        "unsubscribe": f"/unsubscribe/{unsubscribe_token(SECRET, lectora)}",
        "unsubscribe help": "/unsubscribe",
        "bad link": "/unsubscribe/changed",
        "archive": "/archive",
        "archived issue": f"/archive/{enviado.slug}",
        "not found": "/archive/nada",
    }
    urls |= {f"es: {name}": base_es + path for name, path in paths_es.items()}
    try:
        yield {"en": (site, base), "es": (spanish, base_es)}, urls, emails
    finally:
        stop()
        stop_es()


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
            for v in results.response["violations"] for node in v["nodes"]]


def submit(page, button: str) -> None:
    """Press a form's button and wait for the page it leads to (axe on a page still being
    replaced finds no document)."""
    with page.expect_navigation():
        page.click(button)


def problems_of(page, width: int) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page, and any sideways overflow."""
    found = axe_violations(page)
    if overflow(page) > 0:
        found.append(f"{overflow(page)} px wider than the {width} px window")
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_page_overflows_and_axe_finds_no_wcag_violation(pages, width, scheme, tmp_path):
    sites, urls, emails = pages
    assert (len(urls), len(emails)) == (26, 4)
    problems = {}
    with chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme, bypass_csp=True)
        page = context.new_page()
        answer_images_locally(page, allow_prefix="http://127.0.0.1:")  # both clinics

        def check(name: str, on=page) -> None:
            if found := problems_of(on, width):
                problems[name] = found

        for name, url in urls.items():
            page.goto(url)
            check(name)
        mailbox = context.new_page()  # an email is no page of ours: none of our CSP
        answer_images_locally(mailbox)
        for name, html in emails.items():
            mailbox.set_content(html, wait_until="load")
            check(name, mailbox)
        for language, (site, base) in sites.items():  # the pages a form leads to
            run = tmp_path.name  # the clinics outlive this test: new patients for each run
            leaving = add_person(site, f"leaving.{run}@mail.example", "Tomás Campo")
            joining = add_person(site, f"joining.{run}@mail.example", "Ana Página",
                                 status="pending")
            page.goto(f"{base}/unsubscribe/{unsubscribe_token(SECRET, leaving)}")
            submit(page, "#unsubscribe")
            assert page.locator("#done").count() == 1
            check(f"{language}: unsubscribe, done")
            page.goto(f"{base}/confirm/{confirm_token(SECRET, joining, now=site.clock())}")
            submit(page, "#confirm")
            assert page.locator("#done").count() == 1
            check(f"{language}: confirm, done")
            page.goto(base + "/subscribe")
            page.fill("#email", f"someone.{run}@mail.example")
            submit(page, "button[type=submit]")  # the Spanish clinic's form is over its limit
            check(f"{language}: subscribe, " + ("sent" if language == "en" else "limit hit"))
        assert page.locator("#limit").count() == 1
        spanish, base = sites["es"]
        patients = tmp_path / "pacientes.csv"
        patients.write_text("email,name,tags\nbeto,Beto,\nrosa@mail.example,Rosa,vip!\n",
                            encoding="utf-8")
        page.goto(base + "/staff/subscribers")
        page.set_input_files("#file", patients)
        submit(page, "form[enctype] button[type=submit]")
        assert "línea 2" in page.inner_text("#report")
        check("es: staff subscribers, import report")
    assert problems == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_decision_is_on_the_first_screen_of_the_preview(pages, width):
    """Subject, audience and the Approve and Send now buttons before any scrolling (they were
    1,400 px down the page, under the frames)."""
    sites, _, _ = pages
    site, base = sites["en"]
    height = 900 if width == 1280 else 1400  # a phone scrolls, but not past the email
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        answer_images_locally(page, allow_prefix=base)
        page.goto(base + "/staff/")
        frames = page.locator("iframe").first.bounding_box()["y"]
        for selector in ("#subject", "#audience", "#approve", "#send-now"):
            top = page.locator(selector).bounding_box()["y"]
            assert top < min(height, frames), (selector, top)
