"""Staff's say over the open issue: approve it for sending, or hold it back.

The CLI (`newsletter approve`, `newsletter hold`) and the web preview's button call these, so
the rules live in one place: only an issue still waiting can be approved or held; one that is
being sent is frozen, and a sent one is the archive.
"""

from __future__ import annotations

from datetime import datetime

from .errors import NewsletterError, NotFound
from .store import Store, StoredIssue


class ApprovalError(NewsletterError):
    """The issue cannot be approved or held in its present state."""


def waiting_issue(store: Store, *, slug: str | None = None) -> StoredIssue:
    """The open issue staff may decide on; `slug`, when given (what staff looked at), must
    still be it. Otherwise one clear error saying why there is nothing to decide."""
    issue = store.open_issue()
    if issue is None:
        last = next(iter(store.sent_issues(limit=1)), None)
        sent = f"; the last one, {last.slug}, was sent on {last.sent_at:%Y-%m-%d}" if last else ""
        raise NotFound(f"there is no open issue{sent}",
                       hint="build the next one with `newsletter build`")
    if slug is not None and issue.slug != slug:
        raise ApprovalError(f"issue {slug} is no longer the open issue (it is {issue.slug} now)",
                            hint="look at the new one before deciding")
    if issue.status == "sending":
        raise ApprovalError(f"issue {issue.slug} is already being sent",
                            hint="a send that stopped resumes with `newsletter send`")
    return issue


def approve_open_issue(store: Store, *, by: str, now: datetime,
                       slug: str | None = None) -> StoredIssue:
    """Approve the waiting issue as `by`; approving an approved issue changes nothing."""
    issue = waiting_issue(store, slug=slug)
    if issue.status == "approved":
        return issue
    if not store.approve_issue(issue.id, by=by, now=now):
        raise ApprovalError(f"issue {issue.slug} changed while you looked; nothing was approved",
                            hint="look again, then approve")
    return store.issue_by_id(issue.id)


def hold_open_issue(store: Store, *, reason: str, now: datetime,
                    slug: str | None = None) -> StoredIssue:
    """Hold the waiting issue with `reason`; schedules will not send it until approved."""
    issue = waiting_issue(store, slug=slug)
    if not store.hold_issue(issue.id, reason=reason, now=now):
        raise ApprovalError(f"issue {issue.slug} changed while you looked; nothing was held",
                            hint="look again, then hold")
    return store.issue_by_id(issue.id)
