"""What staff get of the snippets: social.json for a poster, one text file per platform for
the lead article, and a listing to copy from the terminal. Choosing what to show lives here
too, so that the CLI stays a few lines."""

from __future__ import annotations

import json

from ..common.errors import NewsletterError, NotFound
from ..common.links import article_slug
from ..common.model import Article
from .counting import PLATFORMS, utf8_bytes
from .snippets import Snippet


def platform_names(name: str | None) -> tuple[str, ...]:
    """The platform called `name` ("X", "google-business" and "twitter" are understood), or
    all of them when no name is given."""
    if not name:
        return tuple(PLATFORMS)
    wanted = name.strip().lower().replace("-", "_").replace(" ", "_")
    wanted = {"twitter": "x", "gbp": "google_business", "google": "google_business"}.get(
        wanted, wanted)
    if wanted not in PLATFORMS:
        raise NotFound("no platform called %(name)r", hint="choose one of %(names)s",
                       name=name, names=", ".join(PLATFORMS))
    return (wanted,)


def choose_articles(articles: tuple[Article, ...], *, article_id: str | None = None,
                    latest: bool = False) -> tuple[Article, ...]:
    """The article with this id (or address, or slug), the newest one, or all of them."""
    if article_id and latest:
        raise NewsletterError("--article and --latest choose articles in two ways",
                              hint="give one of them")
    if article_id:
        found = [a for a in articles
                 if article_id in (a.id, a.url, article_slug(a.url, a.title))]
        if not found:
            listed = "; ".join(a.id for a in articles)
            raise NotFound("no article %(id)r in this issue", hint="its articles are: %(listed)s",
                           id=article_id, listed=listed)
        return (found[0],)
    if latest and articles:
        dated = [a for a in articles if a.published]
        return (max(dated, key=lambda a: a.published) if dated else articles[0],)
    return articles


def snippets_document(issue_slug: str, articles: tuple[Article, ...],
                      snippets: list[Snippet]) -> dict:
    """social.json: every article with its snippet for every platform, ready for a poster."""
    return {
        "issue": issue_slug,
        "platforms": {p.name: {"label": p.label, "limit": p.limit, "counts": p.counts}
                      for p in PLATFORMS.values()},
        "articles": [{"id": article.id, "title": article.title, "url": article.url,
                      "snippets": [snippet_json(s) for s in snippets
                                   if s.article_id == article.id]}
                     for article in articles],
    }


def snippet_files(issue_slug: str, articles: tuple[Article, ...],
                  snippets: list[Snippet]) -> dict[str, str]:
    """What staff post from: social.json with every snippet, and social/<platform>.txt with
    the lead article's post for each platform, ready to paste."""
    lead = articles[0].id
    document = snippets_document(issue_slug, articles, snippets)
    return {"social.json": json.dumps(document, indent=2, ensure_ascii=False) + "\n",
            **{f"social/{s.platform}.txt": s.text + "\n" for s in snippets
               if s.article_id == lead}}


def snippet_json(snippet: Snippet) -> dict:
    data = {"platform": snippet.platform, "text": snippet.text, "length": snippet.length,
            "limit": snippet.limit, "link": snippet.link, "link_in_text": snippet.link_in_text,
            "image": snippet.image_url or None, "alt": snippet.image_alt or None,
            "hashtags": list(snippet.hashtags), "notes": list(snippet.notes)}
    platform = PLATFORMS[snippet.platform]
    if platform.byte_limit is not None:
        data.update(bytes=utf8_bytes(snippet.text), byte_limit=platform.byte_limit)
    if snippet.platform == "linkedin":
        data["api_text"] = snippet.api_text
    if snippet.platform == "bluesky":
        data["facets"] = [facet.to_json() for facet in snippet.facets]
    return data


def listing(snippet: Snippet) -> str:
    """One snippet for the terminal: a header with its count, the text to copy, then what
    goes beside it."""
    platform = PLATFORMS[snippet.platform]
    lines = [f"--- {platform.label} · {snippet.length}/{snippet.limit} ---", snippet.text, ""]
    if not snippet.link_in_text and snippet.link:
        where = {"instagram": "bio", "google_business": "button"}.get(snippet.platform, "card")
        lines.append(f"link ({where}): {snippet.link}")
    if snippet.image_url:
        lines += [f"image: {snippet.image_url}", f"alt: {snippet.image_alt}"]
    lines += [f"note: {note}" for note in snippet.notes]
    return "\n".join(lines).rstrip() + "\n"
