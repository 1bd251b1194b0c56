"""Build every feed or page in a folder as a first run would, and print what a subscriber
would read of each article, with a tally of the known quirks, so a person can read a whole
corpus's output in a minute and a change can be measured before and after.

    python -m tools.corpus_report DIR [--quiet]    (DIR and the folders in it)

Each file is built by `build_next_issue` on a fresh SQLite file, as `newsletter build --feed
FILE` would (a page that lists articles on other sites' addresses is read offline: no
request leaves this machine). Per article: title, summary's first words, image and its
size, author; then the flags (see QUIRKS) and the issue's subject and preheader.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tempfile
import traceback
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from newsletter.common.errors import FeedError, NewsletterError
from newsletter.common.settings import Settings
from newsletter.feed.fetch import fetch
from newsletter.issue.build import build_next_issue
from newsletter.social.hashtags import hashtags
from newsletter.storage.store import Store

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)

_FOOTER = re.compile(r"appeared first on|erschien zuerst|aparece primero|最先出现在|apareceu "
                     r"primeiro|est apparu en premier|dök först upp|first appeared on|"
                     r"спершу з'явився|впервые появилась", re.I)
_READ_MORE = re.compile(r"read more|continue reading|weiterlesen|leer más|lire la suite|"
                        r"läs mer|ler mais|continuar lendo|читати далі|→|»\s*$", re.I)
_AD_LABEL = re.compile(r"^(annons|anzeige|advertisement|werbung|sponsored|publicidad|"
                       r"reklama|реклама|publicité)\b", re.I)
_SHARE = re.compile(r"share this|teilen|compartir|connect with us|follow us", re.I)
_FILE_NAME = re.compile(r"^[\w.-]*\d[\w.-]*$|\.(jpe?g|png|gif|webp)$", re.I)
_NOT_THE_POSTS = re.compile(r"gravatar|avatar|/~ff/|feedburner|pheedo|facebook\.gif|share|"
                            r"emoji|[?&](s|w|width)=(\d{1,2}|1[0-4]\d)(&|$)|/s\d{2}(-[a-z0-9-]*)?/|"
                            r"-1[0-4]\dx1[0-4]\d\.", re.I)
_MOJIBAKE = re.compile(r"â€|Ã[\x80-\xbf¡-¿]")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_CMS_DEFAULTS = {"uncategorized", "uncategorised", "allgemein", "sin categoría", "general",
                 "non classé", "okategoriserade", "sem categoria", "без категорії", "未分类"}


def quirks(article) -> list[str]:
    """What a subscriber would find wrong in this article, as short labels."""
    found = []
    summary, image = article.summary, article.image
    if re.match(r"(protected|private):", article.title, re.I):
        found.append("protected-post")
    if _FOOTER.search(summary):
        found.append("footer")
    if summary[:1].islower():
        found.append("mid-sentence")
    if _READ_MORE.search(summary):
        found.append("read-more")
    if _AD_LABEL.search(summary):
        found.append("ad-label")
    if _SHARE.search(summary):
        found.append("share-prompt")
    if not summary:
        found.append("no-summary")
    if _MOJIBAKE.search(article.title + summary):
        found.append("mojibake")
    if re.fullmatch(r"(untitled( article)?|photo|image|\(no title\))", article.title, re.I):
        found.append("untitled")
    if _EMAIL.search(article.author):
        found.append("author-email")
    if "feedproxy.google.com" in article.url or "/~r/" in article.url:
        found.append("feedproxy")
    if image:
        if _NOT_THE_POSTS.search(image.url):
            found.append("avatar-button-or-thumbnail-image")
        if _FILE_NAME.search(image.alt) and " " not in image.alt:
            found.append("file-name-alt")
    for category in article.categories:
        if category.casefold() in _CMS_DEFAULTS:
            found.append("cms-default-tag")
    for tag in hashtags(article.categories, 10):
        if re.search(r"[a-z]S[A-Z]|^#I[A-Z][a-z]", tag):
            found.append(f"odd-hashtag {tag}")
    return found


def offline_fetch(source, **options):
    """Files only: a page's links to its own site stay unread rather than fetched."""
    if re.match(r"https?://", source):
        raise FeedError(f"{source}: not fetched (the corpus report reads files only)")
    return fetch(source, **options)


def build_file(path: Path, work: Path):
    work.mkdir(parents=True, exist_ok=True)
    base = Settings(base_dir=work)
    settings = dataclasses.replace(
        base, feed=dataclasses.replace(base.feed, source=str(path)),
        store=dataclasses.replace(base.store,
                                  database_url=f"sqlite:///{work / (path.name + '.db')}"))
    store = Store.open(settings.database_url)
    try:
        return build_next_issue(settings, store, now=NOW, fetcher=offline_fetch)
    finally:
        store.engine.dispose()


def report(folder: Path, *, quiet: bool = False, out=sys.stdout) -> Counter:
    tally: Counter = Counter()
    work = Path(tempfile.mkdtemp(prefix="corpus-report-"))
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".md"))
    for path in files:
        tally["files"] += 1
        print(f"\n## {path.relative_to(folder)}", file=out)
        try:
            outcome = build_file(path, work / str(tally["files"]))
        except NewsletterError as error:
            tally["clear error"] += 1
            tally["issues with a quirk"] += 1
            print(f"  error: {error}", file=out)
            continue
        except Exception:  # noqa: BLE001 - a crash is exactly what this report looks for
            tally["CRASH"] += 1
            tally["issues with a quirk"] += 1
            print("  CRASH:\n" + traceback.format_exc(limit=3), file=out)
            continue
        issue = outcome.issue
        if issue is None:
            tally["nothing new"] += 1
            tally["issues with a quirk"] += 1
            print("  nothing new: no issue", file=out)
            continue
        issue_flags = []
        if issue.status == "held":
            issue_flags.append("held")
        if re.search(r"untitled", issue.subject, re.I):
            issue_flags.append("untitled-subject")
        if issue.preheader.startswith("Also:"):
            issue_flags.append("preheader-also")
        titles = [" ".join(a.title.casefold().split()) for a in issue.articles]
        if len(set(titles)) < len(titles):
            issue_flags.append("article-twice")
        print(f"  subject:   {issue.subject}", file=out)
        print(f"  preheader: {issue.preheader}", file=out)
        print(f"  {len(issue.articles)} article(s) from {outcome.feed_url}", file=out)
        for article in issue.articles:
            flags = quirks(article)
            issue_flags += flags
            tally["articles"] += 1
            if quiet and not flags:
                continue
            image = article.image
            size = f"{image.width or '?'}x{image.height or '?'}" if image else ""
            print(f"  - {article.title[:70]}", file=out)
            print(f"      summary: {article.summary[:90]}", file=out)
            print(f"      image:   {image.url[:90] + ' ' + size + ' alt=' + repr(image.alt[:40]) if image else '-'}",
                  file=out)
            print(f"      author:  {article.author or '-'} · {article.url[:80]}", file=out)
            if flags:
                print(f"      QUIRKS:  {', '.join(flags)}", file=out)
        for flag in issue_flags:
            tally[flag.split()[0]] += 1
        if issue_flags:
            tally["issues with a quirk"] += 1
            print(f"  issue quirks: {', '.join(sorted(set(issue_flags)))}", file=out)
        else:
            tally["clean issues"] += 1
    print("\n## tally", file=out)
    for key, count in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:4d}  {key}", file=out)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--quiet", action="store_true", help="print only articles with a quirk")
    args = parser.parse_args()
    report(args.folder.resolve(), quiet=args.quiet)


if __name__ == "__main__":
    main()
