"""End to end in real headless Chromium against a real `newsletter serve` process and a real
aiosmtpd server: preview, phone width and dark mode, a test send, approval, and unsubscribing
from the link in a received message, which keeps the address out of the next send."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ..browser import answer_images_locally, chromium
from ..helpers import NEWSLETTER, clean_env
from ..sending_setup import ENV, add_subscribers, make_clinic, open_clinic
from ..smtpserver import free_port

pytestmark = pytest.mark.usefixtures("each_database")

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
DARK_BACKGROUND = "rgb(17, 22, 21)"    # #111615, the email's dark-mode background
LIGHT_BACKGROUND = "rgb(238, 242, 241)"  # #eef2f1

FRAME_STYLE_JS = """() => ({
  background: getComputedStyle(document.body).backgroundColor,
  text: getComputedStyle(document.querySelector('.greeting p')).color,
  width: document.documentElement.clientWidth,
  scrollWidth: document.documentElement.scrollWidth,
})"""


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve did not start listening")


@pytest.fixture
def served(tmp_path, smtp):
    """A clinic whose public_base_url is this very server, so links in mail come back here."""
    port = free_port()
    config = make_clinic(tmp_path, port=smtp.port,
                         extra=f'[clinic]\npublic_base_url = "http://127.0.0.1:{port}"\n')
    process = subprocess.Popen([NEWSLETTER, "serve", "--config", str(config), "--port",
                                str(port)], env=clean_env(ENV),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)
        yield config, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)



def frame_style(page, frame_id: str) -> dict:
    frame = page.frame_locator(f"#{frame_id}")
    frame.locator(".greeting").wait_for()
    return page.locator(f"#{frame_id}").element_handle().content_frame().evaluate(FRAME_STYLE_JS)


def click(page, selector: str) -> None:
    """Scroll first, then click: Playwright's own scroll-and-click on a page with tall
    sandboxed frames landed inside a frame instead (Chromium 156), pressing nothing."""
    page.locator(selector).scroll_into_view_if_needed()
    page.locator(selector).click()


def test_preview_test_send_approve_and_unsubscribe_in_a_real_browser(served, smtp):
    config, base = served
    settings, store = open_clinic(config)
    add_subscribers(store, [("ana@mail.example", "Ana Lopez"), ("bo@mail.example", "Bo")])
    SCREENSHOTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, color_scheme="light")
        answer_images_locally(page, allow_prefix=base)
        page.goto(f"{base}/staff/")
        subject = page.locator("#subject").inner_text()
        assert subject.startswith("Article number 2")
        for colors, background in (("light", LIGHT_BACKGROUND), ("dark", DARK_BACKGROUND)):
            for name, width in (("desktop", 600), ("phone", 375)):
                frame_id = f"frame-{name}-{colors}"
                frame = page.frame_locator(f"#{frame_id}")
                assert frame.locator("h1").inner_text().endswith("News")
                assert frame.locator("h2", has_text="Article number 2").count() == 1
                style = frame_style(page, frame_id)
                assert (style["width"], style["background"]) == (width, background)
        page.screenshot(path=SCREENSHOTS / "preview-desktop-light.png", full_page=True)

        page.click("#layout-phone")
        page.click("#scheme-dark")
        assert page.url.endswith("scheme=dark&layout=phone")
        assert page.locator("iframe").count() == 1
        phone = frame_style(page, "frame-phone-dark")
        # The page itself is light; the frame is dark because the preview pins its scheme.
        assert phone["background"] == DARK_BACKGROUND
        assert phone["text"] == "rgb(228, 235, 233)"  # #e4ebe9 from the dark-mode rules
        assert phone["scrollWidth"] <= 375
        page.screenshot(path=SCREENSHOTS / "preview-phone-dark.png", full_page=True)
        page.emulate_media(color_scheme="dark")  # and a dark browser still shows light as light
        page.click("#scheme-light")
        assert frame_style(page, "frame-phone-light")["background"] == LIGHT_BACKGROUND

        page.fill("#address", "ana@mail.example")
        click(page, "form.test-send button")
        assert "Sent a test copy of issue" in page.locator(".flash").inner_text()
        page.fill("#name", "Dr. Lee")
        click(page, "#approve")
        assert "Approved by Dr. Lee" in page.locator("#approval").inner_text()

        [test_copy] = smtp.messages
        message = email.message_from_bytes(test_copy.data, policy=email.policy.default)
        assert test_copy.recipients == ["ana@mail.example"]
        link = re.match(r"<([^>]+)>", str(message["List-Unsubscribe"])).group(1)
        assert link.startswith(f"{base}/unsubscribe/")
        page.goto(link)
        assert "ana@mail.example" in page.inner_text("main")
        page.click("#unsubscribe")  # a real click on the confirmation button
        assert "You are unsubscribed" in page.inner_text("h1")
        page.screenshot(path=SCREENSHOTS / "unsubscribed.png")

    send = subprocess.run([NEWSLETTER, "send", "--config", str(config)],
                          env=clean_env(ENV), capture_output=True, text=True, timeout=120)
    assert send.returncode == 0, send.stderr
    assert "sent 1," in send.stdout
    assert smtp.count_by_recipient() == {"ana@mail.example": 1, "bo@mail.example": 1}


@pytest.mark.parametrize("width", [375, 1280])
def test_send_now_in_a_real_browser_sends_each_subscriber_exactly_one_copy(served, smtp, width):
    """On a phone and on the front desk's desktop: the button, the confirmation, and the
    sends page with the outcome, each subscriber once."""
    config, base = served
    _, store = open_clinic(config)
    people = [(f"reader{n}@mail.example", f"Reader {n}") for n in range(5)]
    add_subscribers(store, people)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        answer_images_locally(page, allow_prefix=base)
        page.goto(f"{base}/staff/")
        assert page.locator("#audience").inner_text().startswith("5 subscribers")
        click(page, "#send-now")
        assert "Yes, send to 5 subscribers" in page.inner_text("#confirm-send")
        assert smtp.messages == []
        page.fill("#name", "Dana")
        click(page, "#confirm-send")
        assert page.url == f"{base}/staff/sends"

        def finished() -> bool:
            page.goto(f"{base}/staff/sends")
            return ": complete" in page.inner_text("#now")

        from ..helpers import wait_until

        wait_until(finished, timeout=60)
        assert page.inner_text("#progress") == "5 of 5 subscribers done"
        assert page.inner_text("#outcome").startswith("5 sent, 0 failed, 0 skipped")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert smtp.count_by_recipient() == {email: 1 for email, _ in people}
    again = subprocess.run([NEWSLETTER, "send", "--config", str(config)], env=clean_env(ENV),
                           capture_output=True, text=True, timeout=120)
    assert again.stdout.startswith("Nothing to send"), again.stdout + again.stderr
    assert len(smtp.messages) == 5
