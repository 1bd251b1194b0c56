"""A sliding-window rate limit kept in memory, for the subscribe form.

In memory, not in a table: `newsletter serve` is one process, the limit only has to blunt a
burst (someone mailing confirmation links to a stranger, a bot filling the form), and a
request that is refused should cost nothing, not a database write. A restart forgets the
counts, which lets at most one more burst through.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime

PRUNE_ABOVE = 10_000
"""Keys kept before the expired ones are swept, so memory stays bounded under a flood."""


class SlidingWindow:
    """At most `limit` hits per key in any `seconds`-long window."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], datetime]):
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.hits: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count a hit for `key` if it is within the limit; whether it was."""
        now = self.clock().timestamp()
        with self.lock:
            if len(self.hits) > PRUNE_ABOVE:
                self._prune(now)
            hits = self.hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` may have another hit (0: now)."""
        now = self.clock().timestamp()
        with self.lock:
            hits = self.hits.get(key)
            if not hits or len(hits) < self.limit:
                return 0
            return max(1, int(hits[-self.limit] + self.seconds - now + 0.999))

    def _prune(self, now: float) -> None:
        for key in [k for k, hits in self.hits.items() if not hits or hits[-1] <= now - self.seconds]:
            del self.hits[key]
