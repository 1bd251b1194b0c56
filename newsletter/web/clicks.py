"""/r/<issue>/<n>/<signature>: a reader's click on an article link of an issue, counted and
sent on to the article.

Only the issue and the article's number are in the link (the same link for every reader),
and only a number is written. The redirect goes to the article stored for that issue, never
to an address taken from the request, so the link is no open redirect. A changed or
unknown link gets a 400 and counts nothing. A test copy's link (".../test/<signature>")
redirects without counting; a HEAD (what link scanners often send) counts nothing either.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, request

from ..common.tokens import is_click_signature
from ..issue.clicks import destination
from ..storage.clicks import count_click
from .context import _, context

blueprint = Blueprint("clicks", __name__)
COUNTED_STATUSES = ("sending", "sent")
"""Only a real send makes counted links, and only of an issue it froze."""


@blueprint.get("/r/<slug>/<article>/<signature>")
def counted(slug: str, article: str, signature: str):
    return _follow(slug, article, signature, counted=True)


@blueprint.get("/r/<slug>/<article>/test/<signature>")
def not_counted(slug: str, article: str, signature: str):
    return _follow(slug, article, signature, counted=False)


def _follow(slug: str, article: str, signature: str, *, counted: bool):
    ctx = context()
    number = int(article) if re.fullmatch(r"[1-9][0-9]{0,3}", article) else 0
    genuine = number and len(slug) <= 100 and \
        is_click_signature(ctx.secret, slug, number, signature, counted=counted)
    issue = ctx.store.issues.by_slug(slug) if genuine else None
    target = destination(slug, issue.articles, number) if issue else None
    if target is None:
        abort(400, _("This link is not one of ours, or it was changed on the way."))
    if counted and request.method == "GET" and issue.status in COUNTED_STATUSES:
        count_click(ctx.store.engine, issue.id, number)
    return redirect(target, code=302)
