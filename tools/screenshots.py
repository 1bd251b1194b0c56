"""Screenshots for the README, taken in headless Chromium: the sample issue as a subscriber
sees it on a desktop (light) and on a phone (dark), the staff pages (preview, Send now,
subscribers, sends) and a patient's subscribe page, in English and in Spanish.

    python -m tools.screenshots          # writes the PNG files in docs/
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from newsletter.audience.subscribers import Subscribers
from newsletter.common.clock import utc_now
from newsletter.common.settings import load_settings
from newsletter.delivery.sending import send_next_issue
from newsletter.mail.transport import transport_for
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
    few subscribers; yields its address and a function that sends the open issue."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(cwd=Path(folder),
                                 env={"NEWSLETTER_SECRET_KEY": "screenshots-only-0123456789"})
        settings = dataclasses.replace(
            settings, clinic=dataclasses.replace(settings.clinic, language=language),
            store=dataclasses.replace(settings.store, outbox_delivers=True))
        store = Store.open(settings.database_url)
        subscribers = Subscribers(store.engine)
        for email, name in SAMPLE_PEOPLE:
            subscribers.add(email, name=name, source="staff", now=utc_now())
        port = free_port()
        server = make_server("127.0.0.1", port, create_app(settings, store=store), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def send() -> None:
            send_next_issue(settings, store, transport_for(settings), clock=utc_now)
            subscribers.unsubscribe(subscribers.by_email(SAMPLE_PEOPLE[2][0]).id, now=utc_now())

        try:
            yield f"http://127.0.0.1:{port}", send
        finally:
            server.shutdown()


SAMPLE_PEOPLE = [("ana.lopez@example.com", "Ana Lopez"), ("bob.smith@example.com", "Bob Smith"),
                 ("carla.diaz@example.com", "Carla Diaz"), ("dee.jones@example.com", "Dee Jones")]


def page_screenshots() -> list[Path]:
    """(file, path, width, height, scheme); after the first group the open issue is sent."""
    before = [("preview-desktop.png", "/staff/", 1280, 1500, "light"),
              ("preview-phone-dark.png", "/staff/?scheme=dark&layout=phone", 375, 1800, "dark"),
              ("send-now.png", "SEND", 1280, 700, "light"),
              ("subscribers.png", "/staff/subscribers?q=example", 1280, 1100, "light")]
    after = [("sends.png", "/staff/sends", 1280, 650, "light"),
             ("subscribe-phone.png", "/subscribe", 375, 700, "light")]
    written = []
    with sample_site() as (base, send), chromium() as browser:
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
            send()
    with sample_site("es") as (base, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 700}, color_scheme="dark",
                                device_scale_factor=1)
        page.goto(f"{base}/subscribe", wait_until="load")
        page.screenshot(path=DOCS / "subscribe-phone-es-dark.png")
        written.append(DOCS / "subscribe-phone-es-dark.png")
    return written


if __name__ == "__main__":
    for path in email_screenshots() + page_screenshots():
        print(path)
