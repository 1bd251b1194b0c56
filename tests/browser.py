"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for tests and for
the screenshots in docs/. Images are answered locally: nothing leaves the machine."""

from __future__ import annotations

import os
import struct
import zlib
from contextlib import contextmanager

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def placeholder_png(width: int = 600, height: int = 400, rgb=(168, 196, 188)) -> bytes:
    """A plain PNG made by hand, to stand in for the feed's remote images."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


@contextmanager
def chromium():
    """A headless browser; the caller opens pages with `new_page`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def answer_images_locally(page, allow_prefix: str | None = None) -> None:
    """Remote images get a placeholder; any other outside request is refused, except those
    starting with `allow_prefix` (a local server under test)."""
    image = placeholder_png()

    def handle(route):
        url = route.request.url
        if allow_prefix and url.startswith(allow_prefix):
            return route.continue_()
        if route.request.resource_type == "image":
            return route.fulfill(body=image, content_type="image/png")
        return route.abort()

    page.route("**/*", handle)
