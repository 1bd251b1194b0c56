"""Whether staff should hear about the feed now: once when it has failed N times in a row
(or was retired), once when it works again, and not on every run in between.

Pure: the feed's record, the alert already sent (if any) and the threshold in; a decision
and the words of the message out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..common.model import FeedAlert, FeedRecord


@dataclass(frozen=True)
class Notice:
    """A plain-text message for staff."""

    subject: str
    body: str


@dataclass(frozen=True)
class Decision:
    kind: str  # "alert": staff are told the feed fails; "recovered": that it works again
    notice: Notice
    failures: int = 0
    reason: str = ""


def decide(feed: FeedRecord | None, alert: FeedAlert | None, *, threshold: int,
           zone: ZoneInfo) -> Decision | None:
    if feed is None:
        return None
    failing = feed.retired_at is not None or feed.consecutive_failures >= threshold
    if alert is None and failing:
        return _alert(feed, zone)
    if alert is not None and feed.consecutive_failures == 0 and feed.retired_at is None:
        return _recovered(feed, alert, zone)
    return None


def _alert(feed: FeedRecord, zone: ZoneInfo) -> Decision:
    last_ok = (f"{_local(feed.last_ok_at, zone)}" if feed.last_ok_at
               else "never (it has not worked since it was set up)")
    if feed.retired_at:
        reason = feed.retired_reason or "the server said 410 Gone"
        return Decision("alert", Notice(
            "Newsletter: the blog feed is gone",
            f"The blog feed the newsletter reads was retired on "
            f"{_local(feed.retired_at, zone)}: {reason}\n\n"
            f"Feed: {feed.url}\nLast good fetch: {last_ok}\n\n"
            "No issue can be built until feed.source in newsletter.toml names the blog's new "
            "feed address.\n"), feed.consecutive_failures, reason)
    count = feed.consecutive_failures
    times = f"{count} time{'s' if count != 1 else ''} in a row"
    return Decision("alert", Notice(
        f"Newsletter: the blog feed failed {times}",
        f"The blog feed the newsletter reads could not be fetched {times}.\n\n"
        f"Feed: {feed.url}\nFailures in a row: {count}\n"
        f"Last error: {feed.last_error or 'unknown'}\n"
        f"Failing since the last good fetch: {last_ok}\n\n"
        "Nothing is lost: new articles go out with the next issue once the feed works "
        "again. Check that the blog is up and that feed.source in newsletter.toml is its "
        "feed address.\n\nYou will get one more message when the feed works again, not one "
        "per run.\n"), count, feed.last_error or "")


def _recovered(feed: FeedRecord, alert: FeedAlert, zone: ZoneInfo) -> Decision:
    return Decision("recovered", Notice(
        "Newsletter: the blog feed works again",
        f"The blog feed the newsletter reads works again: fetched at "
        f"{_local(feed.last_ok_at, zone) if feed.last_ok_at else 'the last run'}.\n\n"
        f"Feed: {feed.url}\n"
        f"Alert sent: {_local(alert.alerted_at, zone)}, after {alert.failures} failure(s) "
        f"in a row ({alert.reason or 'no error recorded'})\n"))


def _local(when: datetime, zone: ZoneInfo) -> str:
    return f"{when.astimezone(zone):%A %Y-%m-%d %H:%M %Z}"
