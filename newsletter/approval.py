"""Staff decisions on the open issue: its wording, approve, hold.

The web preview and any command share these, so an approval means the same wherever it is
given. Staff decide on the issue they looked at: if the feed brought new articles in the
meantime, the open issue is another one and the decision is refused, not silently moved.
"""

from __future__ import annotations

from datetime import datetime

from .build import BuildOutcome, Fetcher, build_next_issue
from .errors import NewsletterError
from .fetch import fetch
from .settings import Settings
from .store import Store, StoredIssue
from .text import one_line

NAME_MAX = 100


class IssueChanged(NewsletterError):
    """The issue staff looked at is no longer the one that would go out."""


def reviewable(store: Store, issue_id: int) -> StoredIssue:
    """The open issue, if it is the one staff looked at and it can still change."""
    issue = store.open_issue()
    if issue is None or issue.id != issue_id:
        raise IssueChanged("the issue changed since you looked at it (new articles, or it "
                           "was sent)", hint="look at the preview again, then decide")
    if issue.status == "sending":
        raise NewsletterError(f"issue {issue.slug} is already being sent; it cannot change")
    return issue


def approve(store: Store, issue_id: int, *, by: str, now: datetime) -> StoredIssue:
    """Record who approved the issue and when; a held issue is released by this too."""
    reviewable(store, issue_id)
    store.approve_issue(issue_id, by=approver(by), now=now)
    return store.issue_by_id(issue_id)


def hold(store: Store, issue_id: int, *, by: str, now: datetime) -> StoredIssue:
    """Stop the issue from going out until someone approves it."""
    reviewable(store, issue_id)
    store.hold_issue(issue_id, reason=f"held by {approver(by)}", now=now)
    return store.issue_by_id(issue_id)


def reword(settings: Settings, store: Store, issue_id: int, *, subject: str, preheader: str,
           now: datetime, fetcher: Fetcher = fetch) -> BuildOutcome:
    """Rebuild the issue with staff's subject and preheader (kept across later rebuilds).
    Changed wording withdraws an approval: what was approved is not what would go out."""
    before = reviewable(store, issue_id)
    outcome = build_next_issue(settings, store, now=now, fetcher=fetcher,
                               subject=one_line(subject), preheader=one_line(preheader))
    after = outcome.issue
    if after is not None and after.id == before.id and (
            (after.subject, after.preheader) != (before.subject, before.preheader)):
        store.withdraw_approval(after.id, now=now)
        outcome = BuildOutcome(store.issue_by_id(after.id), outcome.rendered,
                               outcome.warnings, outcome.feed_url)
    return outcome


def approver(name: str) -> str:
    """Who decided, as one line; nobody is not an answer."""
    cleaned = one_line(name)[:NAME_MAX].strip()
    if not cleaned:
        raise NewsletterError("say who you are: an approval or a hold records a name")
    return cleaned
