"""Screenshots for the README, taken in headless Chromium: the sample issue as a subscriber
sees it on a desktop (light) and on a phone (dark), and the staff preview of it.

    python -m tools.screenshots          # writes the PNG files in docs/
"""

from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from newsletter.common.settings import load_settings
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
def sample_site():
    """The bundled sample clinic's web app on a loopback port, in a throwaway folder."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(cwd=Path(folder),
                                 env={"NEWSLETTER_SECRET_KEY": "screenshots-only-0123456789"})
        port = free_port()
        server = make_server("127.0.0.1", port, create_app(settings), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.shutdown()


def preview_screenshots() -> list[Path]:
    shots = [("preview-desktop.png", "scheme=both&layout=both", 2700),
             ("preview-phone-dark.png", "scheme=dark&layout=phone", 1100)]
    written = []
    with sample_site() as base, chromium() as browser:
        for name, query, height in shots:
            page = browser.new_page(viewport={"width": 1100, "height": height},
                                    device_scale_factor=1)
            answer_images_locally(page, allow_prefix=base)
            page.goto(f"{base}/staff/?{query}", wait_until="load")
            page.screenshot(path=DOCS / name)
            written.append(DOCS / name)
            page.close()
    return written


if __name__ == "__main__":
    for path in email_screenshots() + preview_screenshots():
        print(path)
