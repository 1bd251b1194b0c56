"""An issue as the files a person or a script reviews before it goes out: the email as a
sample subscriber gets it, issue.json describing it, and every social snippet. Pure: the
files' contents, by name; writing them is the caller's."""

from __future__ import annotations

import json

from ..common.model import Article
from ..social.files import snippet_files
from .build import BuildOutcome
from .preview import Preview


def review_files(outcome: BuildOutcome, preview: Preview) -> dict[str, str]:
    """What the staff preview shows, by file name: email.html, email.txt, issue.json, and
    social.json with social/<platform>.txt for the lead article's posts."""
    issue = outcome.issue
    return {
        "email.html": preview.html,
        "email.txt": preview.text,
        "issue.json": json.dumps(issue_document(outcome, preview), indent=2,
                                 ensure_ascii=False) + "\n",
        **snippet_files(issue.slug, issue.articles, list(preview.snippets)),
    }


def issue_document(outcome: BuildOutcome, preview: Preview) -> dict:
    """issue.json: what the issue is and says, without parsing its HTML."""
    issue = outcome.issue
    return {
        "slug": issue.slug,
        "status": issue.status,
        "held": issue.status == "held",
        "subject": issue.subject,
        "preheader": issue.preheader,
        "web_url": outcome.rendered.web_url,
        "feed": outcome.feed_url,
        "html_bytes": preview.html_bytes,
        "articles": [article_document(a) for a in issue.articles],
        "warnings": list(outcome.warnings),
    }


def article_document(article: Article) -> dict:
    """One article as a reviewer needs it: every field the email draws on, the image's size
    where known, and whether it came from a feed or was read from the blog's pages."""
    image = article.image
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "summary": article.summary,
        "author": article.author or None,
        "published": article.published.isoformat() if article.published else None,
        "updated": article.updated.isoformat() if article.updated else None,
        "reading_minutes": article.reading_minutes,
        "categories": list(article.categories),
        "image": {"url": image.url, "alt": image.alt, "width": image.width,
                  "height": image.height} if image else None,
        "source": article.origin,
    }
