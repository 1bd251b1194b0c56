"""Screenshots for the README, taken in headless Chromium: the sample issue as a subscriber
sees it on a desktop (light) and on a phone (dark).

    python -m tools.screenshots          # writes docs/email-desktop.png, docs/email-phone-dark.png
"""

from __future__ import annotations

from pathlib import Path

from tests.browser import answer_images_locally, chromium
from tests.helpers import rendered, sample_articles

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


if __name__ == "__main__":
    for path in email_screenshots():
        print(path)
