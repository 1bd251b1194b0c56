"""An `Issue` becomes the finished email: inlined HTML and its plain-text twin.

The expensive part (Jinja plus premailer) runs once per issue. What differs per subscriber
(the unsubscribe link, the greeting) is left as %%PLACEHOLDER%% tokens and filled in later
by `personalize`, a single substitution pass.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import cssutils
import premailer
from markupsafe import Markup

from ..common.i18n import gettext, long_date, ngettext
from ..common.links import tel_link
from ..common.model import Article, Image, Issue
from ..common.settings import ClinicSettings
from ..common.templates import environment
from ..common.text import cut
from .clicks import email_link, hole
from .note import note_html, note_text

PREHEADER_MIN, PREHEADER_MAX = 40, 140
SUBJECT_MAX = 78
GMAIL_CLIP_BYTES = 102 * 1024
"""Gmail hides everything after about this many bytes of HTML behind "View entire message"."""

PLACEHOLDER = re.compile(r"%%([A-Z][A-Z0-9_]*)%%")

# cssutils would shorten #111111 to #111, which some clients do not understand.
cssutils.ser.prefs.minimizeColorHash = False


@dataclass(frozen=True)
class RenderedIssue:
    """One issue, ready for every subscriber but for the %%PLACEHOLDER%% tokens."""

    slug: str
    subject: str
    preheader: str
    html: str
    text: str
    web_url: str


def subject_for(articles: tuple[Article, ...], language: str = "en") -> str:
    """The lead article's title, and how many more there are."""
    more = len(articles) - 1
    suffix = " " + ngettext(language, "(+%(num)d more)", "(+%(num)d more)", more) \
        if more else ""
    return cut(articles[0].title, SUBJECT_MAX - len(suffix)) + suffix


def preheader_for(articles: tuple[Article, ...], clinic_name: str, language: str = "en") -> str:
    """The inbox's second line: what the lead article says, then what else is inside."""
    lead = articles[0]
    opening = lead.summary or lead.title
    others = [a.title for a in articles[1:]]
    if others:
        opening = cut(opening, 70)
        if not re.search(r"[.!?…:;。！？]$", opening):
            opening += "."  # a title, not a sentence: "Holiday hours. Also: …"
        text = gettext(language, "%(summary)s Also: %(titles)s", summary=opening,
                       titles="; ".join(others))
    else:
        text = opening
    text = cut(text, PREHEADER_MAX)
    if len(text) < PREHEADER_MIN:
        text = cut(f"{text} " + gettext(language, "New from %(clinic)s.", clinic=clinic_name),
                   PREHEADER_MAX).strip()
    if len(text) < PREHEADER_MIN:
        text = f"{text} " + gettext(language, "Read the latest articles from our clinic.")
    return text


def plan_issue(articles: tuple[Article, ...], *, slug: str, day: date, clinic_name: str,
               subject: str = "", preheader: str = "", note: str = "",
               language: str = "en") -> Issue:
    """The issue for these articles; a subject or preheader given by staff wins."""
    return Issue(slug=slug, day=day, articles=articles,
                 subject=" ".join(subject.split()) or subject_for(articles, language),
                 preheader=" ".join(preheader.split())
                 or preheader_for(articles, clinic_name, language),
                 note=note)


def render_issue(issue: Issue, clinic: ClinicSettings, *, templates: Path | None = None,
                 click_holes: bool = False) -> RenderedIssue:
    """Both parts of the email, CSS inlined once. Pure: no network, no clock.
    `click_holes`: article links are left as holes, filled per send (see clicks.py)."""
    zone, language = ZoneInfo(clinic.timezone), clinic.language

    def article_link(article: Article) -> str:
        if click_holes:
            return hole(issue.articles.index(article) + 1)
        return email_link(article.url, issue.slug)

    def byline(article: Article) -> str:
        parts = []
        if article.published:
            parts.append(long_date(article.published.astimezone(zone).date(), language))
        if article.author:
            parts.append(gettext(language, "by %(author)s", author=article.author))
        parts.append(ngettext(language, "%(num)d min read", "%(num)d min read",
                              article.reading_minutes))
        return " · ".join(parts)

    return render_email("issue", clinic, slug=issue.slug, subject=issue.subject,
                        preheader=issue.preheader, day=issue.day,
                        web_url=web_url_of(clinic, issue.slug), templates=templates,
                        issue=issue, byline=byline, article_link=article_link,
                        introduction=_introduction(issue, clinic),
                        note_html=note_html(issue.note), note_text=note_text(issue.note))


def render_email(name: str, clinic: ClinicSettings, *, slug: str, subject: str,
                 preheader: str, day: date, web_url: str, templates: Path | None = None,
                 **context) -> RenderedIssue:
    """templates/email/<name>.html and .txt in the newsletter's layout, CSS inlined once;
    what every such email has (masthead, call to action, footer) is in the context."""
    env = environment(templates, clinic.language)

    def utm(url: str) -> str:
        return email_link(url, slug)

    context = {
        "utm": utm,
        "clinic": clinic,
        "subject": subject,
        "preheader": preheader,
        "web_url": web_url,
        "issue_date": long_date(day, clinic.language),
        "shown_width": shown_width,
        "brand_color": clinic.brand_color,
        "preheader_spacer": "\u200c\u00a0" * 60,
        "tel": tel_link(clinic.phone) if clinic.phone else "",
        "site_link": Markup('<a href="{}">{}</a>').format(
            clinic.website, urlsplit(clinic.website).hostname or clinic.website),
        **context,
    }
    html = env.get_template(f"email/{name}.html").render(context)
    text = env.get_template(f"email/{name}.txt").render(context)
    return RenderedIssue(slug=slug, subject=subject, preheader=preheader,
                         html=inline_css(html), text=_crlf_free(text), web_url=web_url)


def shown_width(image: Image, room: int) -> int:
    """The width an image is shown at: the room it has, or its own width when that is less,
    so a small picture is shown small, never stretched."""
    return min(image.width, room) if image.width else room


def web_url_of(clinic: ClinicSettings, slug: str) -> str:
    """Where the issue lives on the web: its "view in browser" page in the archive."""
    return f"{clinic.public_base_url.rstrip('/')}/archive/{slug}"


def inline_css(html: str) -> str:
    """premailer, configured so it can never fetch anything and keeps what clients need:
    !important in media queries, media queries in the head, numeric width attributes."""
    return premailer.Premailer(
        html,
        allow_network=False,
        allow_loading_external_files=False,
        strip_important=False,
        keep_style_tags=False,
        disable_basic_attributes=["width", "height"],
        cssutils_logging_level=logging.CRITICAL,
        disable_validation=True,
    ).transform()


def personalize(template: str, values: dict[str, str], *, html: bool) -> str:
    """Fill %%PLACEHOLDER%% tokens in one pass; values are escaped for HTML. An unknown token
    is left alone so that a test can find it, never silently blanked."""
    if html:
        values = {k: escape(v) for k, v in values.items()}
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def greeting(name: str, language: str = "en") -> str:
    first = name.split()[0] if name.strip() else ""
    return gettext(language, "Hi %(name)s,", name=first) if first else \
        gettext(language, "Hello,")


def _introduction(issue: Issue, clinic: ClinicSettings) -> str:
    return ngettext(clinic.language, "Here is the newest article from the team at %(clinic)s.",
                    "Here are the %(num)d newest articles from the team at %(clinic)s.",
                    len(issue.articles), clinic=clinic.name)


def _crlf_free(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text.replace("\r", "")).strip() + "\n"
