"""Which articles make the next issue. Pure: the store's memory and the clock come in as
arguments, so every rule here is a plain function of its inputs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from ..common.model import Article, Selection


def curate(articles: Sequence[Article], *, seen: Collection[str], first_run: bool,
           now: datetime, window_days: int, cap: int, flood_threshold: int) -> Selection:
    """New articles, newest first, at most `cap` of them.

    A first run mails only the latest burst (articles within `window_days` of the newest one)
    and remembers the rest as seen, so a clinic with an archive of 200 posts does not mail
    them all. More new articles than `flood_threshold` at once (a site migration that changed
    every guid) is built but held for staff.
    """
    new = [a for a in articles if not any(key in seen for key in a.keys)]
    new.sort(key=lambda a: a.published.timestamp() if a.published else float("-inf"),
             reverse=True)
    warnings: list[str] = []
    baseline: list[Article] = []
    if first_run:
        new, baseline = _first_run_window(new, window_days)
        if baseline:
            warnings.append(f"first run: {len(baseline)} older article(s) are remembered as "
                            "already published and will not be mailed")
        if new and new[0].published and now - new[0].published > timedelta(days=window_days):
            warnings.append(f"first run: the newest article is {(now - new[0].published).days} "
                            "days old; check the preview before sending")
    held = len(new) > flood_threshold
    if held:
        warnings.append(f"flood guard: {len(new)} new articles at once (more than "
                        f"{flood_threshold}); the issue is held for staff to check, since a "
                        "site move or feed change can make old articles look new")
    if len(new) > cap:
        warnings.append(f"{len(new) - cap} more new article(s) wait for the next issue "
                        f"(at most {cap} per issue)")
    return Selection(articles=tuple(new[:cap]), held=held, warnings=tuple(warnings),
                     baseline=tuple(baseline))


def _first_run_window(new: list[Article], window_days: int) -> tuple[list[Article], list[Article]]:
    dated = [a for a in new if a.published]
    if not dated:
        return new[:1], new[1:]
    start = dated[0].published - timedelta(days=window_days)
    inside = [a for a in dated if a.published >= start]
    chosen = {a.id for a in inside}
    return inside, [a for a in new if a.id not in chosen]
