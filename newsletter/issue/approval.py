"""Staff decisions on the open issue: its wording, approve, hold.

The web preview and the commands share these, so an approval means the same wherever it is
given. Staff decide on the issue they looked at: if the feed brought new articles in the
meantime, the open issue is another one and the decision is refused, not silently moved. An
issue being sent is frozen; a sent one is the archive.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from ..common.errors import NewsletterError, NotFound
from ..common.i18n import Phrase
from ..common.settings import Settings
from ..common.text import one_line
from ..feed.fetch import fetch
from ..storage.issues import StoredIssue
from ..storage.store import Store
from .build import BuildOutcome, Fetcher, build_next_issue
from .note import NOTE_MAX

NAME_MAX = 100


class IssueChanged(NewsletterError):
    """The issue staff looked at is no longer one they can decide on."""


def fingerprint(issue: StoredIssue) -> str:
    """Names the issue as staff saw it: its id alone is not enough, since a rebuilt issue
    can get the id of the one it replaced."""
    content = f"{issue.id}\n{issue.html}\n{issue.text}".encode()
    return hashlib.sha256(content).hexdigest()[:24]


def reviewable(store: Store, seen: str | None = None) -> StoredIssue:
    """The open issue, if it can still change and (given `seen`, its fingerprint) it is the
    one staff looked at; otherwise one clear error saying why there is nothing to decide."""
    issue = store.issues.open()
    if issue is None:
        last = store.issues.last_sent()
        raise NotFound(Phrase("there is no open issue; the last one, %(slug)s, was sent on "
                              "%(day)s", slug=last.slug, day=f"{last.sent_at:%Y-%m-%d}")
                       if last else Phrase("there is no open issue"),
                       hint="build the next one with `newsletter build`")
    if seen is not None and not hmac.compare_digest(fingerprint(issue).encode(),
                                                    seen.encode()):
        raise IssueChanged("the issue changed since you looked at it (new articles, or it "
                           "was sent)", hint="look at the preview again, then decide")
    if issue.status == "sending":
        raise IssueChanged("issue %(slug)s is already being sent; it cannot change",
                           slug=issue.slug, hint="a send that stopped resumes with `newsletter send`")
    return issue


def approve(store: Store, seen: str | None, *, by: str, now: datetime) -> StoredIssue:
    """Record who approved the issue and when (a held issue is released by this too);
    approving an approved issue changes nothing."""
    issue = reviewable(store, seen)
    if issue.status != "approved" and not store.issues.approve(issue.id, by=approver(by), now=now):
        raise IssueChanged("issue %(slug)s changed while you looked; nothing was approved",
                           slug=issue.slug, hint="look again, then approve")
    return store.issues.by_id(issue.id)


def hold(store: Store, seen: str | None, *, by: str, now: datetime,
         reason: str = "") -> StoredIssue:
    """Stop the issue from going out until someone approves it."""
    issue = reviewable(store, seen)
    why = one_line(reason) or f"held by {approver(by)}"
    if not store.issues.hold(issue.id, reason=why, now=now):
        raise IssueChanged("issue %(slug)s changed while you looked; nothing was held",
                           slug=issue.slug, hint="look again, then hold")
    return store.issues.by_id(issue.id)


def reword(settings: Settings, store: Store, seen: str, *, subject: str, preheader: str,
           now: datetime, note: str | None = None, fetcher: Fetcher = fetch) -> BuildOutcome:
    """Rebuild the issue with staff's subject, preheader and note to readers (kept across
    later rebuilds; an empty subject or preheader goes back to the derived wording, an empty
    note removes it). Changed wording withdraws an approval: what was approved is not what
    would go out."""
    before = reviewable(store, seen)
    if note is not None and len(note) > NOTE_MAX:
        raise NewsletterError("the note is %(length)d characters; at most %(most)d fit",
                              length=len(note), most=NOTE_MAX)
    outcome = build_next_issue(settings, store, now=now, fetcher=fetcher, note=note,
                               subject=one_line(subject), preheader=one_line(preheader))
    after = outcome.issue
    if after is not None and after.id == before.id and (
            (after.subject, after.preheader, after.note)
            != (before.subject, before.preheader, before.note)):
        store.issues.withdraw_approval(after.id, now=now)
        outcome = BuildOutcome(store.issues.by_id(after.id), outcome.rendered,
                               outcome.warnings, outcome.feed_url)
    return outcome


def approver(name: str) -> str:
    """Who decided, as one line; nobody is not an answer."""
    cleaned = one_line(name)[:NAME_MAX].strip()
    if not cleaned:
        raise NewsletterError("say who you are: an approval or a hold records a name")
    return cleaned
