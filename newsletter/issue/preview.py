"""What staff check before an issue goes out: the email as a sample subscriber gets it, its
snippets, and every warning worth a look. Pure: it reads a stored issue, never the feed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import lxml.html

from ..common.i18n import Phrase, number, translated
from ..common.settings import SAMPLE_PUBLIC_BASE_URL, Settings
from ..social.snippets import Snippet, compose_all
from ..storage.issues import StoredIssue
from .clicks import article_links
from .message import sample_fields
from .render import GMAIL_CLIP_BYTES, personalize

SCHEMES = ("light", "dark")
_DARK_QUERY = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.I)
_SCHEME_META = re.compile(r'(<meta name="(?:color-scheme|supported-color-schemes)" '
                          r'content=")light dark(")')


@dataclass(frozen=True)
class Preview:
    issue: StoredIssue
    html: str
    """The finished HTML a sample subscriber gets (their greeting, a harmless unsubscribe)."""
    text: str
    snippets: tuple[Snippet, ...]
    warnings: tuple[str, ...]
    """Feed and build warnings, then the checks made here."""

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))

    @property
    def clipped(self) -> bool:
        return self.html_bytes > GMAIL_CLIP_BYTES


def sample_email(issue: StoredIssue, settings: Settings, *, secret: str) -> tuple[str, str]:
    """The HTML and plain text exactly as the sample reader gets them, but that its article
    links, if they count clicks, are marked as a test's: staff's clicks are not readers'."""
    fields = {**article_links(issue.slug, issue.articles, settings, secret=secret,
                              counted=False), **sample_fields(settings, issue.slug)}
    return personalize(issue.html, fields, html=True), personalize(issue.text, fields, html=False)


def preview_of(issue: StoredIssue, settings: Settings, *, secret: str,
               extra_warnings: tuple[str, ...] = ()) -> Preview:
    html, text = sample_email(issue, settings, secret=secret)
    snippets = tuple(compose_all(issue.articles, clinic_name=settings.clinic.name,
                                 language=settings.clinic.language))
    language = settings.clinic.language
    checks = [Phrase("image without alt text: %(src)s", src=src)
              for src in images_without_alt(html)]
    if settings.analytics.clicks and \
            settings.clinic.public_base_url.rstrip("/") == SAMPLE_PUBLIC_BASE_URL:
        checks.append(Phrase("clinic.public_base_url is still the sample %(url)s: with "
                             "[analytics] clicks on, every article link goes through it, so "
                             "none would work (nor would unsubscribing); set it to where "
                             "`newsletter serve` is reachable", url=SAMPLE_PUBLIC_BASE_URL))
    if len(html.encode("utf-8")) > GMAIL_CLIP_BYTES:
        checks.append(Phrase("the HTML is %(size)s KB: Gmail clips it after %(limit)s KB behind "
                             "\"View entire message\"",
                             size=number(round(len(html.encode()) / 1024), language),
                             limit=number(GMAIL_CLIP_BYTES // 1024, language)))
    if issue.status == "held":
        checks.append(Phrase("held: %(reason)s; it is not sent until someone approves it",
                             reason=issue.held_reason or Phrase("waiting for staff")))
    noted = Counter((s.platform, note) for s in snippets for note in s.notes)
    checks += [Phrase("%(platform)s snippet of %(num)d article(s): %(note)s",
                      plural="%(platform)s snippet of %(num)d article(s): %(note)s",
                      count=count, platform=platform, note=note)
               for (platform, note), count in noted.items()]
    warnings = tuple(extra_warnings) + issue.warnings + tuple(checks)
    return Preview(issue=issue, html=html, text=text, snippets=snippets,
                   warnings=tuple(translated(warning, language) for warning in warnings))


def images_without_alt(html: str) -> list[str]:
    """The src of every image whose alt attribute is missing or blank: a screen reader says
    nothing for it, and a client that blocks images shows nothing in its place."""
    tree = lxml.html.document_fromstring(html)
    return [img.get("src", "") for img in tree.iter("img")
            if not (img.get("alt") or "").strip()]


def pin_color_scheme(html: str, scheme: str) -> str:
    """The email as a client in `scheme` shows it, whatever the browser's own preference.

    An iframe cannot be told its color scheme reliably: CSS Color Adjust says an iframe's
    `prefers-color-scheme` follows the `color-scheme` of its element, but Chromium (156)
    ignores that (tests/web/test_e2e.py checks which holds). So the dark-mode media query is
    made always true (dark) or never true (light), and the color-scheme metas say the same.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    condition = "@media all" if scheme == "dark" else "@media not all"
    html = _DARK_QUERY.sub(condition, html)
    return _SCHEME_META.sub(lambda m: f"{m.group(1)}{scheme}{m.group(2)}", html)

