"""Ready-to-post snippets: one per article and platform, from the clinic's templates in
templates/social/, fitted so that none is ever over its platform's limit.

Fitting gives way in a fixed order: the summary is shortened first (at a sentence, else a
word, with an ellipsis), then hashtags go from the end, then the title is shortened. The link
is never cut. When it cannot fit at all (a platform that counts it in full, an address
thousands of characters long) it leaves the text and stays whole in `Snippet.link`, for the
link card, the button or a first comment. Pure: no I/O beyond loading templates, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import regex

from ..common.errors import TemplateError
from ..common.i18n import Phrase
from ..common.links import article_slug, ascii_url, with_utm
from ..common.model import Article
from ..common.templates import environment, templates_dir
from ..common.text import clean_chars, cut, one_line
from .counting import PLATFORMS, Platform, fits, utf8_bytes, within_limits
from .hashtags import hashtags

MIN_SUMMARY = 30
"""A summary cut shorter than this says nothing: the post goes without one."""
MIN_TITLE = 30
"""The least room a title is cut to for the link's sake; short of it, the link leaves the text
instead (a title cut to a word says nothing either)."""
UNTITLED = Phrase("New on our blog")
"""Stands in for a title the feed left empty: a post needs something to say."""
ALT_MAX = 1000
"""X takes at most 1,000 characters of alt text, the least of the platforms."""

# Noncharacters and lone surrogates: no platform takes them, and UTF-8 cannot carry surrogates.
_UNPOSTABLE = re.compile("[\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
_LITTLE_RESERVED = re.compile(r"[\\|{}@\[\]()<>#*_~]")
_WORD_CHAR = r"[\p{L}\p{M}\p{N}_]"


@dataclass(frozen=True)
class Facet:
    """A clickable range of a Bluesky post, in UTF-8 byte offsets as its API wants them."""

    byte_start: int
    byte_end: int
    kind: str
    """"link" or "tag"."""
    value: str
    """The URI, or the tag without its "#"."""

    def to_json(self) -> dict:
        feature = ({"$type": "app.bsky.richtext.facet#link", "uri": self.value}
                   if self.kind == "link" else
                   {"$type": "app.bsky.richtext.facet#tag", "tag": self.value})
        return {"index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
                "features": [feature]}


@dataclass(frozen=True)
class Snippet:
    """One post for one platform, within its limit, with what goes beside the text."""

    platform: str
    article_id: str
    text: str
    length: int
    limit: int
    link: str
    """The tagged article URL: in the text, or (Instagram's bio, Google's button, a link that
    cannot fit) beside it."""
    link_in_text: bool
    image_url: str = ""
    image_alt: str = ""
    hashtags: tuple[str, ...] = ()
    api_text: str = ""
    """LinkedIn only: the text escaped for its API's "little" format."""
    facets: tuple[Facet, ...] = ()
    """Bluesky only: the link and hashtags made clickable."""
    notes: tuple[str, ...] = ()
    """What staff should know before posting it."""


def compose_all(articles: tuple[Article, ...], *, clinic_name: str, language: str = "en",
                platforms: tuple[str, ...] = tuple(PLATFORMS),
                templates: Path | None = None) -> list[Snippet]:
    """Every article on every platform, article by article."""
    return [compose(article, PLATFORMS[name], clinic_name=clinic_name, language=language,
                    templates=templates)
            for article in articles for name in platforms]


def compose(article: Article, platform: Platform, *, clinic_name: str, language: str = "en",
            templates: Path | None = None) -> Snippet:
    """The article's post for `platform`, fitted to its limit, its fixed words (the
    templates' `_()`) in `language`: the preview, the files and the post itself all say
    the same."""
    template, path = _template(platform, templates, language)
    link = tagged_link(article, platform.name) if article.url else ""
    tags = hashtags(article.categories, platform.hashtag_cap)

    def render(title: str, summary: str, kept: tuple[str, ...], url: str) -> str:
        return _render(template, path, title=title, summary=summary, url=url,
                       hashtags=" ".join(kept), clinic_name=clinic_name, platform=platform.label)

    title = _postable(one_line(article.title)) or UNTITLED.translated(language)
    summary = _postable(" ".join(clean_chars(article.summary).split()))
    title, summary, kept, url = _fit(platform, render, path, title, summary, tags,
                                     link if platform.link_in_text else "")
    text = render(title, summary, kept, url)
    in_text = bool(url) and url in text
    image = article.image
    return Snippet(
        platform=platform.name, article_id=article.id, text=text,
        length=platform.length(text), limit=platform.limit, link=link, link_in_text=in_text,
        image_url=image.url if image else "",
        image_alt=cut(_postable(one_line(image.alt)), ALT_MAX) if image else "",
        hashtags=tuple(tag for tag in kept if tag in text),
        api_text=little_text(text, kept) if platform.name == "linkedin" else "",
        facets=bluesky_facets(text, url if in_text else "", kept)
        if platform.name == "bluesky" else (),
        notes=_notes(platform, article, link, in_text))


def tagged_link(article: Article, platform_name: str) -> str:
    """The article's address as every platform links it, tagged for this platform."""
    return with_utm(ascii_url(article.url), source=platform_name, medium="social",
                    campaign=article_slug(article.url, article.title))


def _fit(platform: Platform, render: Callable[..., str], path: str, title: str,
         summary: str, tags: tuple[str, ...], link: str) -> tuple[str, str, tuple[str, ...], str]:
    """The longest title, summary and hashtags that fit, in the order they give way."""
    def within(*parts) -> bool:
        return within_limits(platform, render(*parts))

    def around(title: str, url: str) -> tuple[str, str, tuple[str, ...], str] | None:
        """As many hashtags as fit beside `title`, then as much summary as fits."""
        for kept in (tags[:count] for count in range(len(tags), -1, -1)):
            shortened = _longest_cut(summary, lambda text: within(title, text, kept, url),
                                     MIN_SUMMARY)
            if shortened is None and within(title, "", kept, url):
                shortened = ""
            if shortened is not None and fits(platform, render(title, shortened, kept, url)):
                return title, shortened, kept, url
        return None

    for url in ((link, "") if link else ("",)):
        if fitted := around(title, url):
            return fitted
        shortened = _longest_cut(title, lambda text: within(text, "", (), url),
                                 MIN_TITLE if url else 1)
        if shortened is not None and (fitted := around(shortened, url)):
            return fitted
    raise TemplateError(f"{path}: even the shortest post from this template is over "
                        f"{platform.label}'s limit of {platform.limit}",
                        hint="shorten the template's fixed text")


def _longest_cut(text: str, within: Callable[[str], bool], floor: int) -> str | None:
    """All of `text` if it is within the limits, else its longest cut of at least `floor`
    characters that is, found by bisection (a cut at a sentence or word boundary does not
    grow steadily with its room, but whatever the search settles on is within)."""
    if within(text):
        return text
    if len(text) <= floor or not within(cut(text, floor)):
        return None
    low, high = floor, len(text)
    while high - low > 1:
        middle = (low + high) // 2
        if within(cut(text, middle)):
            low = middle
        else:
            high = middle
    return cut(text, low)


def _postable(text: str) -> str:
    return _UNPOSTABLE.sub("", text)


def _template(platform: Platform, folder: Path | None,
              language: str) -> tuple[jinja2.Template, str]:
    name = f"social/{platform.name}.txt"
    path = str((folder or templates_dir()) / name)
    try:
        return environment(folder, language).get_template(name), path
    except jinja2.TemplateNotFound:
        raise TemplateError(f"{path}: the template is missing",
                            hint="restore it from the package's templates/social/") from None
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"{path}, line {error.lineno}: {error.message}",
                            hint="fix the template; its variables are title, summary, url, "
                                 "hashtags, clinic_name and platform") from None


def _render(template: jinja2.Template, path: str, **context: str) -> str:
    try:
        text = template.render(context)
    except Exception as error:  # the template is the clinic's code: its failures are theirs
        raise TemplateError(f"{path}{_line_of(error, template)}: {error}",
                            hint="fix the template; its variables are title, summary, url, "
                                 "hashtags, clinic_name and platform") from None
    lines = (line.strip() for line in text.replace("\r", "").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _line_of(error: Exception, template: jinja2.Template) -> str:
    """", line N" of the template where rendering failed, when the traceback says."""
    line, trace = None, error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == template.filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return f", line {line}" if line else ""


def little_text(text: str, tags: tuple[str, ...]) -> str:
    """`text` for LinkedIn's API: its reserved characters backslash-escaped, so that a
    bracket or parenthesis cannot cut the post short, and our hashtags as its hashtag
    template, so that they stay clickable."""
    pieces, position = [], 0
    for match in _tag_matches(text, tags):
        pieces.append(_LITTLE_RESERVED.sub(r"\\\g<0>", text[position:match.start()]))
        pieces.append("{hashtag|#|" + match.group()[1:] + "}")
        position = match.end()
    pieces.append(_LITTLE_RESERVED.sub(r"\\\g<0>", text[position:]))
    return "".join(pieces)


def bluesky_facets(text: str, link: str, tags: tuple[str, ...]) -> tuple[Facet, ...]:
    """Byte ranges that make the link and the hashtags clickable on Bluesky."""
    facets, link_span = [], (0, 0)
    if link and (start := text.find(link)) >= 0:
        link_span = (start, start + len(link))
        facets.append(Facet(utf8_bytes(text[:start]), utf8_bytes(text[:link_span[1]]),
                            "link", link))
    for match in _tag_matches(text, tags):
        if not link_span[0] <= match.start() < link_span[1]:
            facets.append(Facet(utf8_bytes(text[:match.start()]),
                                utf8_bytes(text[:match.end()]), "tag", match.group()[1:]))
    return tuple(sorted(facets, key=lambda facet: facet.byte_start))


def _tag_matches(text: str, tags: tuple[str, ...]):
    """Where our hashtags stand as words of their own in `text`."""
    if not tags:
        return []
    choices = "|".join(regex.escape(tag) for tag in sorted(tags, key=len, reverse=True))
    return regex.finditer(rf"(?<!{_WORD_CHAR}|#)(?:{choices})(?!{_WORD_CHAR})", text)


def _notes(platform: Platform, article: Article, link: str, in_text: bool) -> tuple[str, ...]:
    notes = []
    if link and platform.link_in_text and not in_text:
        notes.append(Phrase("the link does not fit in the text: post it as the link card or "
                            "in a first comment"))
    if platform.name == "instagram" and article.image is None:
        notes.append(Phrase("Instagram needs an image; the article has none"))
    return tuple(notes)
