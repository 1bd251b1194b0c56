"""feedparser promises never to raise on malformed input, but a stray `</width>` or
`</height>` (in a channel's `<image>`) reaches `int(None)` and raises TypeError out of
`feedparser.parse` (kurtmckee/feedparser#576, not in 6.0.x). Until a release has it, these
two end-tag handlers treat a missing value as an unreadable one, as they already do for
"abc": the size becomes 0 and the feed is read."""

from __future__ import annotations

from feedparser.namespaces._base import Namespace


def _end_size(name: str):
    def end(self) -> None:
        value = self.pop(name)
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if self.inimage:
            self._get_context()[name] = value
    end.__name__ = f"_end_{name}"
    return end


Namespace._end_width = _end_size("width")
Namespace._end_height = _end_size("height")
