"""Every staff and patient page, and the emails, in real headless Chromium at a phone's
375 px and a desktop's 1,280 px, light and dark: nothing overflows sideways, and axe-core's
WCAG 2.1 A and AA rules find no violation."""

from __future__ import annotations

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
from ..web_setup import add_person, make_site

WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A clinic with a sent issue, a new open one, subscribers of every kind, served over
    real HTTP on 127.0.0.1; and the path of every page worth looking at."""
    folder = tmp_path_factory.mktemp("clinic")
    site = make_site(folder, items=[item(1, 20), item(2, 21)],
                     extra='logo_url = ""\n[analytics]\nclicks = true\n')
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
    server = make_server("127.0.0.1", 0, site.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
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
    try:
        yield site, base, paths
    finally:
        server.shutdown()


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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_page_overflows_and_axe_finds_no_wcag_violation(pages, width, scheme):
    site, base, paths = pages
    assert len(paths) == 16
    problems = {}
    with chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme, bypass_csp=True)
        page = context.new_page()
        answer_images_locally(page, allow_prefix=base)
        for name, path in paths.items():
            page.goto(base + path)
            found = axe_violations(page)
            if overflow(page) > 0:
                found.append(f"{overflow(page)} px wider than the {width} px window")
            if found:
                problems[name] = found
        page.goto(base + "/subscribe")  # the pages a form leads to
        page.fill("#email", "someone.new@mail.example")
        page.click("button[type=submit]")
        found = axe_violations(page) + ([f"{overflow(page)} px too wide"] if overflow(page) else [])
        if found:
            problems["subscribe, sent"] = found
    assert problems == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_decision_is_on_the_first_screen_of_the_preview(pages, width):
    """Subject, audience and the Approve and Send now buttons before any scrolling (they were
    1,400 px down the page, under the frames)."""
    site, base, paths = pages
    height = 900 if width == 1280 else 1400  # a phone scrolls, but not past the email
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        answer_images_locally(page, allow_prefix=base)
        page.goto(base + "/staff/")
        frames = page.locator("iframe").first.bounding_box()["y"]
        for selector in ("#subject", "#audience", "#approve", "#send-now"):
            top = page.locator(selector).bounding_box()["y"]
            assert top < min(height, frames), (selector, top)
