"""Which articles make the next issue. Pure: the store's memory and the clock come in as
arguments, so every rule here is a plain function of its inputs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from ..common.i18n import Phrase
from ..common.model import Article, Selection


def curate(articles: Sequence[Article], *, seen: Collection[str], first_run: bool,
           now: datetime, window_days: int, cap: int, flood_threshold: int,
           backlog_max_days: int, open_ids: Collection[str] = ()) -> Selection:
    """New articles, newest first, at most `cap` of them.

    A first run mails the newest `cap` articles of the latest burst (within `window_days` of
    the newest one) and remembers every other as published, so neither a clinic's archive
    of 200 posts nor a blog that posts daily floods its first issues. After that, more new
    articles than `flood_threshold` at once (a site migration that changed every guid) is
    built but held for staff, and a new article older than `backlog_max_days` leaves the
    queue with a note, so a backlog never becomes weeks of stale issues (but for the
    articles of the open issue, `open_ids`: staff have seen those chosen).
    """
    new = [a for a in articles if not any(key in seen for key in a.keys)]
    new.sort(key=lambda a: a.published.timestamp() if a.published else float("-inf"),
             reverse=True)
    new, repeats = _without_repeats(new)
    warnings: list[str] = []
    if repeats:
        warnings.append(Phrase("%(num)d article(s) repeat a newer one's title within %(days)d "
                               "days (a post published twice) and are remembered as published: "
                               "%(titles)s", plural="%(num)d article(s) repeat a newer one's "
                               "title within %(days)d days (a post published twice) and are "
                               "remembered as published: %(titles)s", count=len(repeats),
                               days=REPEAT_DAYS, titles=_titles(repeats)))
    if first_run:
        chosen = _first_run(new, now=now, window_days=window_days, cap=cap)
        return Selection(articles=chosen.articles, warnings=(*warnings, *chosen.warnings),
                         baseline=(*chosen.baseline, *repeats))
    held = len(new) > flood_threshold
    if held:
        warnings.append(Phrase("flood guard: %(new)d new articles at once (more than "
                               "%(most)d); the issue is held for staff to check, since a site "
                               "move or feed change can make old articles look new",
                               new=len(new), most=flood_threshold))
    limit = now - timedelta(days=backlog_max_days)
    stale = [a for a in new if a.published and a.published < limit and a.id not in open_ids]
    if stale:
        new = [a for a in new if a not in stale]
        warnings.append(Phrase("%(num)d new article(s) older than %(days)d days left the "
                               "queue unmailed and are remembered as published: %(titles)s",
                               plural="%(num)d new article(s) older than %(days)d days left "
                               "the queue unmailed and are remembered as published: %(titles)s",
                               count=len(stale), days=backlog_max_days, titles=_titles(stale)))
    if len(new) > cap:
        warnings.append(Phrase("%(num)d more new article(s) wait for the next issue (at most "
                               "%(cap)d per issue)", plural="%(num)d more new article(s) wait "
                               "for the next issue (at most %(cap)d per issue)",
                               count=len(new) - cap, cap=cap))
    return Selection(articles=tuple(new[:cap]), held=held and bool(new),
                     warnings=tuple(warnings), baseline=(*stale, *repeats))


REPEAT_DAYS = 3
"""Two new articles with the same title this close together are one post published twice
(a blog's editor saved it again under a new address, "...-2/"): the subscriber gets it once."""


def _without_repeats(new: list[Article]) -> tuple[list[Article], list[Article]]:
    """`new` (newest first) without the older copies of a post published twice, and those."""
    kept: list[Article] = []
    repeats: list[Article] = []
    for article in new:
        title = " ".join(article.title.casefold().split())
        if any(" ".join(k.title.casefold().split()) == title and _close(k, article)
               for k in kept):
            repeats.append(article)
        else:
            kept.append(article)
    return kept, repeats


def _close(newer: Article, older: Article) -> bool:
    if newer.published is None or older.published is None:
        return newer.published is older.published
    return newer.published - older.published <= timedelta(days=REPEAT_DAYS)


def _first_run(new: list[Article], *, now: datetime, window_days: int, cap: int) -> Selection:
    inside, older = _first_run_window(new, window_days)
    chosen, baseline = inside[:cap], inside[cap:] + older
    warnings = []
    if baseline:
        warnings.append(Phrase("first run: %(num)d older article(s) are remembered as "
                               "already published and will not be mailed",
                               plural="first run: %(num)d older article(s) are remembered as "
                               "already published and will not be mailed",
                               count=len(baseline)))
    if chosen and chosen[0].published and now - chosen[0].published > timedelta(days=window_days):
        warnings.append(Phrase("first run: the newest article is %(num)d days old; check the "
                               "preview before sending", plural="first run: the newest article "
                               "is %(num)d days old; check the preview before sending",
                               count=(now - chosen[0].published).days))
    return Selection(articles=tuple(chosen), warnings=tuple(warnings), baseline=tuple(baseline))


def _first_run_window(new: list[Article], window_days: int) -> tuple[list[Article], list[Article]]:
    dated = [a for a in new if a.published]
    if not dated:
        return new, []
    start = dated[0].published - timedelta(days=window_days)
    inside = [a for a in dated if a.published >= start]
    chosen = {a.id for a in inside}
    return inside, [a for a in new if a.id not in chosen]


def _titles(articles: list[Article], shown: int = 3) -> str:
    names = "; ".join(repr(a.title) for a in articles[:shown])
    if len(articles) <= shown:
        return names
    return Phrase("%(names)s and %(more)d more", names=names, more=len(articles) - shown)
