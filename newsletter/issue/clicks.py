"""Article links that count clicks per article per issue, and never who clicked.

With `[analytics] clicks` on, each article link of an issue is rendered as a hole
(%%ARTICLE_1%%...) that is filled once per send, the same for every reader: a real send gets
`<public_base_url>/r/<issue>/<n>/<signature>`, which the server counts and redirects to
the article; a preview, a test copy and a rehearsal get the same link marked "test", which
redirects without counting (so staff check the very path readers' clicks take); the web
version gets the article's own link. The signature (HMAC with the secret key, passed in) covers
the issue, the article's number and the marker: a link cannot be forged, made to count, or
pointed anywhere but an article the issue holds. Pure: no I/O, no clock.
"""

from __future__ import annotations

from ..common.links import with_utm
from ..common.model import Article
from ..common.settings import Settings
from ..common.tokens import click_signature

HOLE_PREFIX = "ARTICLE_"


def hole(article: int) -> str:
    """The placeholder of article number `article` (from 1) in the rendered issue."""
    return f"%%{HOLE_PREFIX}{article}%%"


def email_link(url: str, slug: str) -> str:
    """An article's link as the email gives it: tagged for the clinic's web analytics."""
    return with_utm(url, source="newsletter", medium="email", campaign=slug)


def click_path(slug: str, article: int, *, secret: str, counted: bool = True) -> str:
    signature = click_signature(secret, slug, article, counted=counted)
    return f"/r/{slug}/{article}/{signature}" if counted else \
        f"/r/{slug}/{article}/test/{signature}"


def article_links(slug: str, articles: tuple[Article, ...], settings: Settings, *,
                  secret: str, counted: bool) -> dict[str, str]:
    """What fills the article holes of an issue's email: click links when clicks are on
    (counted only for a real send), else the articles' own links."""
    if not settings.analytics.clicks:
        return direct_links(slug, articles)
    base = settings.clinic.public_base_url.rstrip("/")
    return {f"{HOLE_PREFIX}{n}": base + click_path(slug, n, secret=secret, counted=counted)
            for n in range(1, len(articles) + 1)}


def direct_links(slug: str, articles: tuple[Article, ...]) -> dict[str, str]:
    """The articles' own links: the web version's (a web page is not an email's click)."""
    return {f"{HOLE_PREFIX}{n}": email_link(article.url, slug)
            for n, article in enumerate(articles, 1)}


def destination(slug: str, articles: tuple[Article, ...], article: int) -> str | None:
    """Where a click on article number `article` goes: the article stored for that issue,
    with the email's tags; None if the issue has no such article."""
    if not 1 <= article <= len(articles):
        return None
    return email_link(articles[article - 1].url, slug)
