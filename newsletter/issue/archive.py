"""A sent issue as a web page: the email's "view in browser" link, and what a shared link
previews as (Open Graph and Twitter card tags). Pure: a stored issue in, HTML out.
"""

from __future__ import annotations

from html import escape

from ..common.settings import Settings
from ..storage.issues import StoredIssue
from .clicks import direct_links
from .render import greeting, personalize, web_url_of


def neutral_unsubscribe_url(settings: Settings) -> str:
    """Where the archive's unsubscribe link goes: a page that explains, never anyone's token
    (a web page is read by anyone the link is shared with)."""
    return f"{settings.clinic.public_base_url.rstrip('/')}/unsubscribe"


def web_page(issue: StoredIssue, settings: Settings) -> str:
    """The issue as anyone with the link reads it: greeting nobody by name ("Hello," in the
    clinic's language), its links straight to the articles, and no one's unsubscribe link."""
    html = personalize(issue.html, {**direct_links(issue.slug, issue.articles),
                                    "GREETING": greeting("", settings.clinic.language),
                                    "UNSUBSCRIBE_URL": neutral_unsubscribe_url(settings)},
                       html=True)
    head_end = html.lower().find("</head>")
    if head_end < 0:
        return html
    return html[:head_end] + share_tags(issue, settings) + html[head_end:]


def share_tags(issue: StoredIssue, settings: Settings) -> str:
    """Open Graph (Facebook, LinkedIn, Slack, iMessage…) and Twitter card tags, escaped."""
    url = web_url_of(settings.clinic, issue.slug)
    image = next((a.image for a in issue.articles if a.image), None)
    tags = [("property", "og:type", "article"),
            ("property", "og:site_name", settings.clinic.name),
            ("property", "og:title", issue.subject),
            ("property", "og:description", issue.preheader),
            ("property", "og:url", url),
            ("name", "twitter:card", "summary_large_image" if image else "summary"),
            ("name", "twitter:title", issue.subject),
            ("name", "twitter:description", issue.preheader)]
    if image:
        tags += [("property", "og:image", image.url), ("property", "og:image:alt", image.alt),
                 ("name", "twitter:image", image.url), ("name", "twitter:image:alt", image.alt)]
    lines = [f'<link rel="canonical" href="{escape(url)}">']
    lines += [f'<meta {kind}="{name}" content="{escape(value)}">' for kind, name, value in tags]
    return "\n".join(lines) + "\n"
