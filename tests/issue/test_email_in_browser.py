"""The rendered email in real headless Chromium: the layout holds on a phone and a desktop,
and text stays readable in light and dark mode."""

import pytest

from ..browser import answer_images_locally, chromium
from ..helpers import rendered, sample_articles

# Contrast of every text element with its background, computed in the page (WCAG 2 formula).
CONTRASTS_JS = """
() => {
  const lum = (c) => {
    const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const out = [];
  for (const el of document.querySelectorAll('p, h1, h2, a, td, li')) {
    if (el.closest('.preheader')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(getComputedStyle(el).color), b = lum(background(el));
    out.push({text: el.textContent.trim().slice(0, 40),
              ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)});
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def email_html():
    return rendered(sample_articles()[:5])[1]


def open_email(browser, html, width, scheme="light"):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    answer_images_locally(page)
    page.set_content(html, wait_until="load")
    return page


@pytest.mark.parametrize("width", [320, 375, 414])
def test_nothing_overflows_a_phone_screen(browser, email_html, width):
    page = open_email(browser, email_html, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the article cards stack: thumbnail above text, each as wide as the column
    cells = page.evaluate("[...document.querySelectorAll('.stack-column')]"
                          ".map(td => td.getBoundingClientRect().width)")
    assert cells and min(cells) > width * 0.8
    page.close()


def test_on_a_desktop_the_column_is_600px_and_centered(browser, email_html):
    page = open_email(browser, email_html, 1280)
    box = page.evaluate("(() => { const t = document.querySelector('h1').closest('table')"
                        ".getBoundingClientRect(); return {left: t.left, width: t.width}; })()")
    assert box["width"] == 600
    assert abs(box["left"] - (1280 - 600) / 2) <= 1
    cells = page.evaluate("[...document.querySelectorAll('.stack-column')]"
                          ".map(td => td.getBoundingClientRect().width)")
    assert max(cells) < 600  # thumbnail beside text
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_is_readable_in_light_and_dark_mode(browser, email_html, scheme):
    page = open_email(browser, email_html, 600, scheme)
    contrasts = page.evaluate(CONTRASTS_JS)
    assert len(contrasts) > 20
    poor = [c for c in contrasts if c["ratio"] < 4.5]
    assert poor == []
    page.close()


def test_dark_mode_really_changes_the_colors(browser, email_html):
    colors = {}
    for scheme in ("light", "dark"):
        page = open_email(browser, email_html, 600, scheme)
        colors[scheme] = page.evaluate(
            "getComputedStyle(document.querySelector('.featured-text')).backgroundColor")
        page.close()
    assert colors["light"] == "rgb(255, 255, 255)"
    assert colors["dark"] != colors["light"]


@pytest.mark.parametrize("width", [375, 1280])
def test_a_small_picture_is_shown_at_its_own_size_never_stretched(browser, width):
    import dataclasses

    from newsletter.common.model import Image

    lead, second, *rest = sample_articles()[:3]
    small = dataclasses.replace(lead, image=Image("https://clinic.example/sig.png", "Logo", 72, 72))
    thumb = dataclasses.replace(second, image=Image("https://clinic.example/t.png", "T", 100, 100))
    unknown = dataclasses.replace(rest[0], image=Image("https://clinic.example/u.png", "U"))
    page = open_email(browser, rendered((small, thumb, unknown))[1], width)
    widths = page.evaluate("Object.fromEntries([...document.querySelectorAll('img')]"
                           ".map(i => [i.alt, i.getBoundingClientRect().width]))")
    assert widths["Logo"] == 72
    assert widths["T"] == 100
    assert 100 < widths["U"] <= 160 if width > 600 else widths["U"] > 300
    page.close()
