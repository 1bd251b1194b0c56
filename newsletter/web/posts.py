"""Posting a snippet from the preview: a button per article and network with an account,
beside the exact text that goes out. The form carries the hash of that text, so what is
posted is what staff read (a rebuilt issue is refused, not posted unseen)."""

from __future__ import annotations

from flask import request

from ..common.errors import NotFound
from ..common.i18n import listed
from ..common.tokens import row_id
from ..social.posting.accounts import CLIENTS, missing, postable
from ..social.posting.http import PostingError
from ..social.posting.post import post_article, text_hash
from ..social.counting import PLATFORMS
from ..social.snippets import Snippet
from ..storage.issues import StoredIssue
from ..storage.posts import Posts
from .context import _, context


def posting_context(issue: StoredIssue, snippets: tuple[Snippet, ...]) -> dict:
    """What the preview's snippet table needs: which networks can be posted to from here,
    what each article's post on them became, and the hash each form carries."""
    ctx = context()
    ledger = Posts(ctx.store.engine)
    networks = postable(ctx.settings)
    return {"postable": networks,
            "posts": {(s.article_id, s.platform): ledger.find(s.article_id, s.platform)
                      for s in snippets if s.platform in CLIENTS},
            "post_hashes": {(s.article_id, s.platform): text_hash(s) for s in snippets
                            if s.platform in networks},
            "post_needs": {name: listed(missing(name), ctx.settings.clinic.language)
                           for name in CLIENTS}}


def post_from_form() -> str:
    """The post the form names, made (or found made); what to tell staff."""
    ctx = context()
    number = row_id(request.form.get("issue_id", ""))
    issue = ctx.store.issues.by_id(number) if number is not None else None
    if issue is None:
        raise NotFound(_("There is no such issue."))
    platform = request.form.get("platform", "")
    outcome = post_article(ctx.settings, ctx.store, issue, request.form.get("article", ""),
                           platform, clock=ctx.clock, seen=request.form.get("text_hash", ""))
    label = PLATFORMS[platform].label
    if outcome.status == "already":
        return _("It was already posted to %(platform)s: %(url)s", platform=label,
                 url=outcome.url)
    if outcome.ok:
        return _("Posted to %(platform)s: %(url)s", platform=label, url=outcome.url)
    raise PostingError(outcome.message)  # refused, or no sure answer: the platform's words
