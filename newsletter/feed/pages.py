"""A blog without a feed, read from its pages: the listing page's cards (title, date, byline,
teaser, picture) and each article page's own description of itself, into the same
`Article` records a feed gives.

What a page says of itself is read in order of trust: JSON-LD (`BlogPosting`, `Article`,
`NewsArticle`...), then Open Graph and `article:*` metas, then microformats (`h-entry`),
then what is on the page (headings, <time>, "By ..."). The text is the article body the
page declares, else the page's main text as trafilatura extracts it (it ranks first in
the published comparisons of main-text extractors, keeps working across languages and
page builders, and is maintained; readability-lxml finds the main block but keeps more
chrome). Page chrome never reaches a summary: the summary rules drop share and follow
prompts wherever they come from. Pure: bytes and addresses in, records out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ..common.links import normalized_link, safe_url
from ..common.model import Article
from ..common.text import cut, html_to_text, is_cms_default, one_line, text_of
from .images import Candidate, candidates_in_html, choose_image, hinted_width, with_alt
from .names import author_name, title_from_address
from .summarize import first_sentence, reading_minutes, summary_of

ARTICLE_TYPES = frozenset(
    "Article BlogPosting NewsArticle SocialMediaPosting Report TechArticle LiveBlogPosting "
    "OpinionNewsArticle AnalysisNewsArticle ReportageNewsArticle ScholarlyArticle "
    "MedicalScholarlyArticle HealthTopicContent".split())
TITLE_LIMIT = 200

# Parts of a page that are never an article's card: navigation, header, footer, sidebars.
_CHROME = re.compile(r"(^|[\s_-])(nav|navbar|menu|footer|header|sidebar|widget|breadcrumbs?|"
                     r"pagination|pager|share|sharing|social|comments?|cookie|related|"
                     r"popular|recent-comments)([\s_-]|$)", re.I)
_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "form"})
_NOT_ARTICLE_PATH = re.compile(
    r"/(tag|tags|category|categories|author|authors|page|search|feed|rss|wp-login|login|"
    r"cart|account|privacy|terms|contact|about)(/|$)|\.(jpe?g|png|gif|webp|pdf|xml|json|css|js)$",
    re.I)
_MONTHS = {name: number for number, names in enumerate((
    "january jan januar janvier enero gennaio janeiro januari",
    "february feb februar février febrero febbraio fevereiro februari",
    "march mar märz maerz mars marzo março maart",
    "april apr avril abril aprile",
    "may mai mayo maggio maio mei",
    "june jun juni juin junio giugno junho",
    "july jul juli juillet julio luglio julho",
    "august aug août agosto augustus",
    "september sep sept septembre septiembre settembre setembro",
    "october oct oktober octobre octubre ottobre outubro",
    "november nov novembre noviembre novembro",
    "december dec dezember décembre diciembre dicembre dezembro"), start=1)
    for name in names.split()}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH})\.?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b",
                             re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_BYLINE = re.compile(r"^\s*(?:by|von|por|par|di|door|av|przez|від)\s+(.+)$", re.I)


@dataclass(frozen=True)
class PageEntry:
    """What a blog's listing page says of one of its articles."""

    url: str
    title: str = ""
    published: datetime | None = None
    author: str = ""
    teaser: str = ""
    image: Candidate | None = None


# --- the listing page ---------------------------------------------------------------------

def listing_entries(root, page_url: str) -> list[PageEntry] | None:
    """The articles a blog's listing page shows, in its order, or None when the page is one
    article. A page that declares itself an article in JSON-LD is one; else its
    microformats entries, its <article> elements or JSON-LD's list of posts, when there are
    two or more, make a listing; else a page that says it is an article (Open Graph, a
    single h-entry or <article>) is one; else the repeated dated cards that each link one
    article of the same site (what page builders like Duda make) are the listing."""
    if root is None:
        return []
    if _json_ld_article(root):
        return None
    for cards in (_marked(root, "h-entry") or _marked(root, "hentry"),
                  [a for a in root.iter("article") if not _inside(a, "article")]):
        entries = _entries_of(cards, page_url)
        if len(entries) >= 2:
            return entries
    from_json = _json_ld_listing(root, page_url)
    if len(from_json) >= 2:
        return from_json
    if is_article_page(root):
        return None
    dated = [e for e in _entries_of(_cards(root, page_url), page_url) if e.published]
    return dated if len(dated) >= 2 else []


def _entries_of(cards, page_url: str) -> list[PageEntry]:
    entries: list[PageEntry] = []
    seen: set[str] = set()
    for card in cards:
        entry = _entry_of(card, page_url)
        if entry and normalized_link(entry.url) not in seen:
            seen.add(normalized_link(entry.url))
            entries.append(entry)
    return entries


def _entry_of(card, page_url: str) -> PageEntry | None:
    url = _card_link(card, page_url)
    if not url:
        return None
    title = _card_title(card, url)
    lines = [one_line(text) for text in _leaf_texts(card)]
    published = _card_date(card, lines)
    author = _card_author(card, lines)
    teaser = max((line for line in lines if line != title and len(line.split()) >= 6
                  and not _BYLINE.match(line) and not _is_date_line(line)),
                 key=len, default="")
    images = [c for c in candidates_in_html(card, page_url)]
    if not (title or teaser):
        return None
    return PageEntry(url, title, published, author, teaser, images[0] if images else None)


def _card_link(card, page_url: str) -> str | None:
    """The article a card links: its heading's link, else the link it repeats most."""
    for heading in _headings(card):
        for a in heading.iter("a"):
            url = _article_link(a.get("href"), page_url)
            if url:
                return url
    counts: dict[str, int] = {}
    for a in card.iter("a"):
        url = _article_link(a.get("href"), page_url)
        if url:
            counts[url] = counts.get(url, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _card_title(card, url: str) -> str:
    """The card's heading, else its element marked as the title, else the words of its
    link; never a date or a time, which micro-blogs use as the link's text."""
    title = _card_title_text(card, url)
    return "" if re.fullmatch(r"[\d\s/:.,-]+", title) or _is_date_line(title) else title


def _card_title_text(card, url: str) -> str:
    for heading in _headings(card):
        text = one_line(text_of(heading))
        if text:
            return cut(text, TITLE_LIMIT)
    for element in card.iter():
        if isinstance(element.tag, str) and re.search(r"\b[\w-]*title\b",
                                                      element.get("class") or "", re.I):
            text = one_line(text_of(element))
            if text:
                return cut(text, TITLE_LIMIT)
    texts = [one_line(text_of(a)) for a in card.iter("a")
             if a.get("href") and normalized_link(safe_url(a.get("href"), url) or "") ==
             normalized_link(url)]
    best = max(texts, key=len, default="")
    return cut(best, TITLE_LIMIT) if len(best.split()) >= 2 and not _READ_MORE_TEXT.match(best) else ""


_READ_MORE_TEXT = re.compile(r"^(read|continue|more|weiter|leer|lire|mehr)\b", re.I)


def _card_date(card, lines: list[str]) -> datetime | None:
    for time in card.iter("time"):
        when = parse_date(time.get("datetime") or "") or parse_date(text_of(time))
        if when:
            return when
    for line in lines:
        when = parse_date(line)
        if when:
            return when
    return None


def _card_author(card, lines: list[str]) -> str:
    """The author's name: an element marked as the author, else a "By ..." line."""
    for element in card.iter():
        if not isinstance(element.tag, str):
            continue
        marks = set(f"{element.get('class') or ''} {element.get('rel') or ''} "
                    f"{element.get('itemprop') or ''}".lower().split())
        if marks & {"author", "p-author", "fn", "byline", "entry-author", "post-author"}:
            name = _name_of_byline(one_line(text_of(element)), marked=True)
            if name:
                return name
    for line in lines:
        name = _name_of_byline(line) if _BYLINE.match(line) else ""
        if name:
            return name
    return ""


_BY_INSIDE = re.compile(r"(?:^|\s)(?:by|von|por|par|di|door|av|przez|від)\s+(\S.*)$", re.I)


def _name_of_byline(text: str, marked: bool = False) -> str:
    """"By Dr. Glenn December 5, 2025" -> "Dr. Glenn"; "Publiziert am 13. Januar 2014 von
    Anna" -> "Anna"; an element marked as the author is the name itself."""
    match = _BY_INSIDE.search(text)
    if not match and not marked:
        return ""
    name = match.group(1) if match else text
    name = re.split(rf"\s(?=(?:{_MONTH})\.?\s+\d)|\s(?=\d)|\s[|·•–—-]\s|,\s*(?=\d)", name,
                    maxsplit=1, flags=re.I)[0]
    name = name.strip(" ,·|-–—")
    return cut(name, 80) if 0 < len(name.split()) <= 6 else ""


_MANY = object()  # more than one article is linked from inside an element


def _cards(root, page_url: str) -> list:
    """Repeated blocks that each link one article: for every link to an article of the
    site, the largest ancestor that links no other article. Which article (or several)
    each element links is worked out once, children before parents, so a page of
    thousands of links costs one pass."""
    body = root.find("body") if root.find("body") is not None else root
    elements = list(body.iter())
    linked: dict = {}
    for element in reversed(elements):  # reversed document order: descendants first
        found = _article_link(element.get("href"), page_url) if element.tag == "a" else None
        for child in element:
            below = linked.get(child)
            if below is not None and found is not _MANY:
                found = below if found in (None, below) else _MANY
        if found is not None:
            linked[element] = found
    cards, taken = [], set()
    for a in body.iter("a"):
        url = linked.get(a)
        if url is None or url is _MANY or _in_chrome(a):
            continue
        card = a
        while card.getparent() is not None and card.getparent() is not body \
                and linked.get(card.getparent()) == url:
            card = card.getparent()
        if id(card) not in taken and card is not a:
            taken.add(id(card))
            cards.append(card)
    return cards


def _article_link(href: str | None, page_url: str) -> str | None:
    """An address that can be one article of the blog: same site, not the page itself,
    not a tag, category, author or pagination page, not a file."""
    url = safe_url(href, page_url)
    if not url:
        return None
    page, target = urlsplit(page_url), urlsplit(url)
    if (target.hostname or "").removeprefix("www.") != (page.hostname or "").removeprefix("www."):
        return None
    path = target.path.rstrip("/")
    if not path or path == page.path.rstrip("/") or _NOT_ARTICLE_PATH.search(target.path):
        return None
    if target.query and not path:
        return None
    return url.split("#", 1)[0]


# --- an article's own page ----------------------------------------------------------------

def is_article_page(root) -> bool:
    """The page says it is one article: JSON-LD, Open Graph, or a single h-entry or
    <article> with a heading."""
    if root is None:
        return False
    if _json_ld_article(root):
        return True
    metas = _metas(root)
    if metas.get("og:type", "").lower() == "article" or "article:published_time" in metas:
        return True
    return _post_element(root) is not None


def _post_element(root):
    """The one element that holds the page's post (an h-entry, an <article>, WordPress's
    <div id="post-123">), if the page has exactly one and it has a heading."""
    entries = _marked(root, "h-entry") or _marked(root, "hentry") or \
        [a for a in root.iter("article") if not _inside(a, "article")] or \
        [e for e in root.iter("div") if re.fullmatch(r"post-\d+", e.get("id") or "")]
    return entries[0] if len(entries) == 1 and _headings(entries[0]) else None


def article_from_page(root, body: bytes, page_url: str, *, summary_chars: int,
                      entry: PageEntry | None = None) -> Article:
    """The article a page is, from what it says of itself, with what the listing said
    (`entry`) filling the gaps."""
    data = _json_ld_article(root) or {}
    metas = _metas(root)
    hentry = next(iter(_marked(root, "h-entry") or _marked(root, "hentry")), None)
    url = (safe_url(_first(data.get("url")), page_url) or _canonical(root, page_url)
           or page_url)
    if not _same_host(url, page_url):
        url = page_url
    title = _strip_site_name(_plain(data.get("headline") or data.get("name")), metas)
    title = title or _hentry_text(hentry, "p-name", "entry-title") or _page_heading(root) \
        or _strip_site_name(metas.get("og:title", ""), metas) \
        or _strip_site_name(one_line(text_of(root.find(".//title"))) if root.find(".//title") is not None else "", metas)
    if entry and entry.title and not title:
        title = entry.title
    published = (parse_date(_text(data.get("datePublished")))
                 or parse_date(metas.get("article:published_time", ""))
                 or _hentry_date(hentry) or _first_time(root)
                 or (entry.published if entry else None))
    updated = parse_date(_text(data.get("dateModified"))) or \
        parse_date(metas.get("article:modified_time", ""))
    og_author = metas.get("article:author", "")
    author = (_author_of(data.get("author")) or ("" if og_author.startswith("http") else og_author)
              or _hentry_text(hentry, "p-author", "author") or metas.get("author", "")
              or (entry.author if entry else ""))
    text = _text(data.get("articleBody")) or _hentry_content(hentry) or main_text(body, page_url)
    declared = bool(data) or metas.get("og:type", "").lower() == "article"
    teaser = (_plain(data.get("description")) or _plain(metas.get("og:description"))
              # a plain meta description is often the whole site's tagline, not the post's
              or (_plain(metas.get("description")) if declared else "")
              or (entry.teaser if entry else ""))
    candidates = _page_images(root, data, metas, page_url)
    if entry and entry.image:
        candidates.append(entry.image)
    title = title or first_sentence(text or teaser) or "A new post"
    image = with_alt(choose_image(candidates, fallback_alt=""), title)
    keywords = _keywords(data, metas)
    return Article(id=normalized_link(url), title=cut(one_line(title), TITLE_LIMIT), url=url,
                   summary=summary_of(text, teaser, summary_chars), published=published,
                   updated=updated, author=author_name(author),
                   categories=keywords, image=image, reading_minutes=reading_minutes(text),
                   origin="page")


def article_from_entry(entry: PageEntry, *, summary_chars: int) -> Article:
    """An article known only from its card on the listing page (its page was not read)."""
    title = entry.title or first_sentence(entry.teaser) or title_from_address(entry.url)
    image = with_alt(choose_image([entry.image] if entry.image else [], fallback_alt=""),
                     title or "Article image")
    return Article(id=normalized_link(entry.url), title=cut(title or "A new post", TITLE_LIMIT),
                   url=entry.url, summary=summary_of("", entry.teaser, summary_chars),
                   published=entry.published, author=entry.author, image=image,
                   origin="page")


def main_text(body: bytes, url: str) -> str:
    """The page's main text, paragraphs on their own lines, by trafilatura (imported only
    when a blog without a feed needs it: it takes a fifth of a second to load)."""
    import trafilatura

    try:
        text = trafilatura.extract(body, url=url, include_comments=False, include_tables=False,
                                   favor_precision=True)
    except Exception:  # noqa: BLE001 - a library's failure on hostile bytes is just no text
        return ""
    return text or ""


# --- JSON-LD, metas, microformats -----------------------------------------------------------

def json_ld_objects(root) -> list[dict]:
    """Every object of the page's JSON-LD blocks, @graph and lists flattened; a block that
    is not valid JSON is skipped."""
    found: list[dict] = []
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(found) < 200:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return found


def _types(item: dict) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds if k}


def _json_ld_article(root) -> dict | None:
    """The page's JSON-LD article, its references (Yoast's {"@id": "#primaryimage"}, an
    author given as {"@id": ...}) replaced by the objects they name."""
    objects = json_ld_objects(root)
    named = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    for item in objects:
        if _types(item) & ARTICLE_TYPES and (item.get("headline") or item.get("name")):
            return {key: _resolved(value, named) for key, value in item.items()}
    return None


def _resolved(value, named: dict):
    if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in named:
        return named[value["@id"]]
    if isinstance(value, list):
        return [_resolved(v, named) for v in value]
    return value


def _json_ld_listing(root, page_url: str) -> list[PageEntry]:
    entries: list[PageEntry] = []
    for item in json_ld_objects(root):
        posts = item.get("blogPost") or item.get("itemListElement") or []
        for post in posts if isinstance(posts, list) else []:
            if not isinstance(post, dict):
                continue
            post = post.get("item") if isinstance(post.get("item"), dict) else post
            url = _article_link(_first(post.get("url")) or _first(post.get("@id")), page_url)
            if not url:
                continue
            image_url, width, height = _image_of(post.get("image"), page_url)
            entries.append(PageEntry(
                url, one_line(_text(post.get("headline") or post.get("name"))),
                parse_date(_text(post.get("datePublished"))), _author_of(post.get("author")),
                one_line(_text(post.get("description"))),
                Candidate(image_url, "", width, height) if image_url else None))
    return entries


def _metas(root) -> dict[str, str]:
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        value = meta.get("content")
        if key and value and key not in metas:
            metas[key] = value.strip()
    return metas


def _marked(root, mark: str) -> list:
    return [e for e in root.iter() if isinstance(e.tag, str)
            and mark in (e.get("class") or "").split()
            and not any(mark in (p.get("class") or "").split() for p in e.iterancestors())]


def _hentry_text(hentry, *marks: str) -> str:
    """The text of the first element with one of `marks` (microformats 2, then 1)."""
    if hentry is None:
        return ""
    for element in hentry.iter():
        if isinstance(element.tag, str) and set(marks) & set((element.get("class") or "").split()):
            return one_line(text_of(element))
    return ""


def _hentry_date(hentry) -> datetime | None:
    if hentry is None:
        return None
    for element in hentry.iter():
        if isinstance(element.tag, str) and {"dt-published", "published"} & set(
                (element.get("class") or "").split()):
            return parse_date(element.get("datetime") or element.get("title") or "") \
                or parse_date(text_of(element))
    return None


def _hentry_content(hentry) -> str:
    if hentry is None:
        return ""
    for element in hentry.iter():
        if isinstance(element.tag, str) and {"e-content", "entry-content"} & set(
                (element.get("class") or "").split()):
            return text_of(element)
    return ""


def _page_images(root, data: dict, metas: dict, page_url: str) -> list[Candidate]:
    """The picture the page names for itself (JSON-LD, Open Graph, Twitter card), then the
    pictures in its main block, each with the words the page gives it."""
    alts: dict[str, str] = {}
    for img in root.iter("img"):
        for attribute in ("src", "data-src"):
            url = safe_url(img.get(attribute), page_url)
            if url and img.get("alt"):
                alts.setdefault(_picture_key(url), one_line(img.get("alt")))
    found = []
    url, width, height = _image_of(data.get("image"), page_url)
    if url:
        found.append(Candidate(url, "", width, height))
    og = safe_url(metas.get("og:image") or metas.get("og:image:url")
                  or metas.get("og:image:secure_url") or metas.get("twitter:image"), page_url)
    if og:
        found.append(Candidate(og, metas.get("og:image:alt", ""),
                               _int(metas.get("og:image:width")) or hinted_width(og),
                               _int(metas.get("og:image:height"))))
    main = next((e for e in (_post_element(root), root.find(".//article"), root.find(".//main"))
                 if e is not None), None)
    found += candidates_in_html(main if main is not None else root.find("body"), page_url)
    return [replace(c, alt=c.alt or alts.get(_picture_key(c.url), "")) for c in found]


def _picture_key(url: str) -> str:
    """One picture whatever size its address asks for: "-640w.jpg" and "-1920w.jpg",
    "-150x150.jpg" and ".jpg", "?w=640" and "?w=150" are the same picture."""
    path = url.split("?", 1)[0]
    return re.sub(r"-(\d{2,4}w|\d{2,4}x\d{2,4})(?=\.\w{3,4}$)", "", path)


def _image_of(value, base: str) -> tuple[str | None, int | None, int | None]:
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict):
        url = safe_url(_text(value.get("url") or value.get("contentUrl") or value.get("@id")), base)
        return url, _int(value.get("width")) or (url and hinted_width(url)), _int(value.get("height"))
    url = safe_url(_text(value), base) if isinstance(value, str) else None
    return url, url and hinted_width(url), None


def _keywords(data: dict, metas: dict) -> tuple[str, ...]:
    """articleSection then keywords (a list, or words separated by commas)."""
    words: list = []
    for raw in (data.get("articleSection"), data.get("keywords") or metas.get("article:tag")):
        words += raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found: list[str] = []
    for word in words:
        name = cut(one_line(_text(word)), 50)
        if name and not is_cms_default(name) and name.lower() not in (n.lower() for n in found):
            found.append(name)
    return tuple(found[:10])


# --- small readers ------------------------------------------------------------------------

def parse_date(text: str) -> datetime | None:
    """ISO 8601 (a date alone is taken at noon UTC, so the day holds in any time zone), and
    "December 5, 2025", "5. Dezember 2025", "5 de diciembre de 2025" style dates."""
    text = (text or "").strip()
    if not text:
        return None
    match = _ISO_DATE.search(text)
    if match:
        try:
            when = datetime.fromisoformat(match.group(0).replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            when = None
        if when is not None:
            if len(match.group(0)) == 10:
                return when.replace(hour=12, tzinfo=timezone.utc)
            return when.replace(tzinfo=timezone.utc) if when.tzinfo is None \
                else when.astimezone(timezone.utc)
    cleaned = re.sub(r"\s+de\s+", " ", text, flags=re.I)
    for pattern, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy")):
        match = pattern.search(cleaned)
        if match:
            parts = dict(zip(order, match.groups()))
            try:
                return datetime(int(parts["y"]), _MONTHS[parts["m"].lower().rstrip(".")],
                                int(parts["d"]), 12, tzinfo=timezone.utc)
            except (ValueError, KeyError):
                return None
    return None


def _is_date_line(line: str) -> bool:
    return parse_date(line) is not None and len(line.split()) <= 6


def _leaf_texts(card) -> list[str]:
    """Texts of the card's blocks that hold no other block: its paragraphs and labels."""
    blocks = ("p", "div", "span", "li", "h1", "h2", "h3", "h4", "h5", "h6", "time", "a")
    found = []
    for element in card.iter(*blocks):
        if any(child.tag in ("p", "div", "li") for child in element if isinstance(child.tag, str)):
            continue
        text = text_of(element)
        if text and text not in found:
            found.append(text)
    return found


def _headings(card) -> list:
    return [e for e in card.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def _page_heading(root) -> str:
    scope = _post_element(root)
    scope = scope if scope is not None else root
    headings = list(scope.iter("h1"))
    return one_line(text_of(headings[0])) if len(headings) >= 1 and (
        scope is not root or len(headings) == 1) else ""


_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ")


def _strip_site_name(title: str, metas: dict) -> str:
    """The title without what the site adds after it: "Post - Publication - Medium" is the
    page's og:title "Post" plus suffixes; "Post @ Site :: Host" loses both, the " @ "
    part only when it names the site (og:site_name)."""
    title = title.strip()
    og_title = metas.get("og:title", "").strip()
    if og_title and title != og_title and title.startswith(og_title) and \
            title[len(og_title):].startswith(_SEPARATORS):
        return og_title
    site = metas.get("og:site_name", "").strip().lower()
    for separator in _SEPARATORS:
        if separator in title:
            head, tail = title.rsplit(separator, 1)
            if not site or tail.strip().lower() == site or len(tail) < len(head):
                title = head.strip()
                break
    if site and title.lower().endswith(" @ " + site):
        title = title[:-len(" @ " + site)].strip()
    return title


def _canonical(root, page_url: str) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return safe_url(link.get("href"), page_url)
    return None


def _first_time(root) -> datetime | None:
    for time in root.iter("time"):
        when = parse_date(time.get("datetime") or "") or parse_date(text_of(time))
        if when:
            return when
    return None


def _author_of(value) -> str:
    if isinstance(value, list):
        names = [_author_of(v) for v in value]
        return ", ".join(n for n in names if n)
    if isinstance(value, dict):
        return one_line(_text(value.get("name")))
    return one_line(_text(value)) if isinstance(value, str) and not value.startswith("http") else ""


def _in_chrome(element) -> bool:
    for ancestor in [element, *element.iterancestors()]:
        if not isinstance(ancestor.tag, str):
            continue
        if ancestor.tag in _CHROME_TAGS:
            return True
        marks = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''} {ancestor.get('role') or ''}"
        if _CHROME.search(marks) or "navigation" in marks.lower():
            return True
    return False


def _inside(element, tag: str) -> bool:
    return any(a.tag == tag for a in element.iterancestors())


def _same_host(url: str, page_url: str) -> bool:
    return (urlsplit(url).hostname or "").removeprefix("www.") == \
        (urlsplit(page_url).hostname or "").removeprefix("www.")


def _first(value) -> str | None:
    """The address a JSON-LD field names: a string, the first of a list, an object's @id
    or url; None for anything else a page put there."""
    if isinstance(value, list):
        return _first(value[0]) if value else None
    if isinstance(value, dict):
        return _first(value.get("@id") or value.get("url"))
    return value if isinstance(value, str) else None


def _plain(value) -> str:
    """Text from a meta or JSON-LD field, which may hold entities ("Docker&rsquo;s") or tags."""
    return one_line(html_to_text(_text(value)))


def _text(value) -> str:
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name") or "")
    return value if isinstance(value, str) else "" if value is None else str(value)


def _int(value) -> int | None:
    try:
        return int(str(value).strip().removesuffix("px")) if value not in (None, "") else None
    except ValueError:
        return None
