"""Screenshots for the README, taken in headless Chromium: the sample issue as a subscriber
sees it on a desktop (light) and on a phone (dark), the staff pages (preview, Send now,
subscribers, and sends after a Send now, with its posts and clicks per article) and a
patient's subscribe page, in English and in Spanish.

    python -m tools.screenshots          # writes the PNG files in docs/
"""

from __future__ import annotations

import dataclasses
import http.client
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from newsletter.audience.subscribers import Subscribers
from newsletter.common.clock import utc_now
from newsletter.common.settings import load_settings
from newsletter.issue.clicks import click_path
from newsletter.storage.store import Store
from newsletter.web import create_app
from tests.browser import answer_images_locally, chromium
from tests.helpers import rendered, sample_articles
from tests.smtpserver import free_port

DOCS = Path(__file__).resolve().parent.parent / "docs"


def email_screenshots() -> list[Path]:
    html = rendered(sample_articles()[:3])[1]
    shots = [("email-desktop.png", 900, "light"), ("email-phone-dark.png", 375, "dark")]
    written = []
    with chromium() as browser:
        for name, width, scheme in shots:
            page = browser.new_page(viewport={"width": width, "height": 800},
                                    color_scheme=scheme, device_scale_factor=1)
            answer_images_locally(page)
            page.set_content(html, wait_until="load")
            page.screenshot(path=DOCS / name, full_page=True)
            written.append(DOCS / name)
            page.close()
    return written


@contextmanager
def sample_site(language: str = "en"):
    """The bundled sample clinic's web app on a loopback port, in a throwaway folder, with a
    few subscribers and clicks counted (its public address is this server, so the email's
    links come back to it); yields its address and a function that, once the open issue is
    sent, has a reader leave and a few readers click its articles."""
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = load_settings(cwd=Path(folder),
                                 env={"NEWSLETTER_SECRET_KEY": "screenshots-only-0123456789"})
        settings = dataclasses.replace(
            settings, clinic=dataclasses.replace(settings.clinic, language=language,
                                                 public_base_url=base),
            store=dataclasses.replace(settings.store, outbox_delivers=True),
            analytics=dataclasses.replace(settings.analytics, clicks=True))
        store = Store.open(settings.database_url)
        subscribers = Subscribers(store.engine)
        for email, name in SAMPLE_PEOPLE:
            subscribers.add(email, name=name, source="staff", now=utc_now())
        server = make_server("127.0.0.1", port, create_app(settings, store=store), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def after_the_send() -> None:
            subscribers.unsubscribe(subscribers.by_email(SAMPLE_PEOPLE[2][0]).id, now=utc_now())
            issue, secret = store.issues.last_sent(), settings.require_secret_key()
            for number, clicks in enumerate(CLICKS[:len(issue.articles)], start=1):
                path = click_path(issue.slug, number, secret=secret, counted=True)
                for _ in range(clicks):  # a reader's click: the counted redirect
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    connection.request("GET", path)
                    if connection.getresponse().status != 302:
                        raise RuntimeError(f"{path} did not redirect")
                    connection.close()

        try:
            yield base, after_the_send
        finally:
            server.shutdown()


CLICKS = (5, 3, 1)
"""Clicks on the sent issue's articles, first to last."""


SAMPLE_PEOPLE = [("ana.lopez@example.com", "Ana Lopez"), ("bob.smith@example.com", "Bob Smith"),
                 ("carla.diaz@example.com", "Carla Diaz"), ("dee.jones@example.com", "Dee Jones")]


def page_screenshots() -> list[Path]:
    """(file, path, width, height, scheme); after the first group the open issue is sent."""
    before = [("preview-desktop.png", "/staff/", 1280, 1500, "light"),
              ("preview-phone-dark.png", "/staff/?scheme=dark&layout=phone", 375, 1800, "dark"),
              ("send-now.png", "SEND", 1280, 700, "light"),
              ("subscribers.png", "/staff/subscribers?q=example", 1280, 1100, "light")]
    after = [("sends.png", "/staff/sends", 1280, 1250, "light"),
             ("subscribe-phone.png", "/subscribe", 375, 700, "light")]
    written = []
    with sample_site() as (base, after_the_send), chromium() as browser:
        for group in (before, after):
            for name, path, width, height, scheme in group:
                page = browser.new_page(viewport={"width": width, "height": height},
                                        color_scheme=scheme, device_scale_factor=1)
                answer_images_locally(page, allow_prefix=base)
                if path == "SEND":
                    page.goto(f"{base}/staff/", wait_until="load")
                    page.goto(base + page.locator("#send-now").get_attribute("href"))
                else:
                    page.goto(base + path, wait_until="load")
                page.screenshot(path=DOCS / name)
                written.append(DOCS / name)
                page.close()
            if group is before:
                send_now(browser, base)
                after_the_send()
    with sample_site("es") as (base, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 700}, color_scheme="dark",
                                device_scale_factor=1)
        page.goto(f"{base}/subscribe", wait_until="load")
        page.screenshot(path=DOCS / "subscribe-phone-es-dark.png")
        written.append(DOCS / "subscribe-phone-es-dark.png")
    return written


def send_now(browser, base: str) -> None:
    """Send the open issue as the front desk does: Send now, confirm, and wait on the sends
    page (it reloads itself while the send runs) for the outcome."""
    page = browser.new_page()
    page.goto(f"{base}/staff/", wait_until="load")
    page.goto(base + page.locator("#send-now").get_attribute("href"))
    page.fill("#name", "Dana")
    page.click("#confirm-send")
    page.wait_for_url(f"{base}/staff/sends")
    deadline = time.monotonic() + 120
    while not page.locator("#outcome").count():
        if time.monotonic() > deadline:
            raise RuntimeError("the send did not finish in two minutes")
        time.sleep(0.2)
        page.goto(f"{base}/staff/sends", wait_until="load")
    page.close()


if __name__ == "__main__":
    for path in email_screenshots() + page_screenshots():
        print(path)
