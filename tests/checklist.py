"""The email checklist (shared/email-checklist.md, items 1-15) as code.

Each `item_N` takes the finished HTML of one subscriber's email and returns the problems it
finds, in words. `problems()` runs them all. tests/issue/test_checklist.py proves each item can fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from newsletter.common.model import Article

KB = 1024


@dataclass(frozen=True)
class Expect:
    """What the email must say, known from outside the HTML."""

    subject: str
    preheader: str
    unsubscribe_url: str
    web_url: str
    postal_address: str
    articles: tuple[Article, ...]
    reason: str = "because you subscribed"
    """The words, in the email's language, that say why the reader gets it."""
    unsubscribe_word: str = "unsubscribe"
    """The unsubscribe link's text, in the email's language."""
    article_links: tuple[str, ...] = ()
    """With clicks counted, each article's link in the email (a /r/ link), in order."""


def _doc(html: str):
    return lxml.html.document_fromstring(html)


def _styles(doc) -> str:
    return "\n".join(s.text_content() for s in doc.iter("style"))


def _media_blocks(css: str) -> list[tuple[str, str]]:
    """(condition, body) of each @media block; braces balanced by hand."""
    blocks = []
    for match in re.finditer(r"@media([^{]*)\{", css):
        depth, i = 1, match.end()
        while depth and i < len(css):
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        blocks.append((match.group(1).strip(), css[match.end():i - 1]))
    return blocks


def _declarations(css_body: str) -> list[str]:
    inner = re.findall(r"\{([^{}]*)\}", css_body)
    return [d.strip() for block in inner for d in block.split(";") if d.strip()]


def item_1(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    if not html.startswith("<!DOCTYPE html>"):
        found.append("does not start with <!DOCTYPE html>")
    if not doc.get("lang"):
        found.append("<html> has no lang")
    if not doc.xpath('//head/meta[translate(@charset,"UTF","utf")="utf-8"]'):
        found.append('no <meta charset="utf-8">')
    if not doc.xpath('//head/meta[@name="viewport" and contains(@content,"width=device-width")]'):
        found.append("no viewport meta with width=device-width")
    titles = doc.xpath("//head/title")
    if len(titles) != 1 or titles[0].text_content() != expect.subject:
        found.append(f"<title> is not the subject {expect.subject!r}")
    return found


def item_2(html: str, expect: Expect) -> list[str]:
    doc = _doc(html)
    dark = any("prefers-color-scheme: dark" in cond.replace("  ", " ")
               for cond, _ in _media_blocks(_styles(doc)))
    metas = {m.get("name"): m.get("content") for m in doc.xpath("//head/meta[@name]")}
    has_meta = metas.get("color-scheme") == "light dark" and \
        metas.get("supported-color-schemes") == "light dark"
    if dark != has_meta:
        return [f"dark-mode media query present={dark} but color-scheme metas present={has_meta}"]
    return []


def item_3(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    for table in doc.iter("table"):
        for attribute, value in (("role", "presentation"), ("border", "0"),
                                 ("cellpadding", "0"), ("cellspacing", "0")):
            if table.get(attribute) != value:
                found.append(f"a layout table lacks {attribute}={value!r}")
    if doc.xpath("//th"):
        found.append("a layout table has <th>")
    return found


def item_4(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    widths = [int(w) for s in doc.xpath("//@style")
              for w in re.findall(r"max-width:\s*(\d+)px", s)]
    if 600 not in widths or any(w > 600 for w in widths):
        found.append(f"no 600px max-width content column (max-widths: {sorted(set(widths))})")
    if not re.search(r"<!--\[if mso\]>.*?width=\"600\".*?<!\[endif\]-->", html, re.S):
        found.append("no Outlook ghost table of width 600")
    if html.count("<!--[if") != html.count("<![endif]"):
        found.append("unbalanced conditional comments")
    return found


def item_5(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    for tag in ("script", "form", "iframe", "object", "svg", "embed"):
        if doc.xpath(f"//{tag}") or re.search(fr"<{tag}\b", html, re.I):
            found.append(f"has <{tag}>")
    if doc.xpath('//link[@rel="stylesheet"]') or re.search(r"@import", html):
        found.append("external stylesheet")
    for style in doc.xpath("//@style") + [_styles(doc)]:
        if re.search(r"display\s*:\s*(flex|grid)", style):
            found.append("display:flex or grid")
        if re.search(r"(^|[;{\s])position\s*:", style):
            found.append("position:")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"event handler {name} on <{element.tag}>")
            if re.sub(r"\s", "", value).lower().startswith("javascript:"):
                found.append(f"javascript: URL in {name}")
    return found


def item_6(html: str, expect: Expect) -> list[str]:
    found = []
    for img in _doc(html).iter("img"):
        src = img.get("src", "")
        if img.get("alt") is None:
            found.append(f"img {src} has no alt")
        if not re.fullmatch(r"\d+", img.get("width", "")):
            found.append(f"img {src} has no numeric width")
        if not re.match(r"https?://", src):
            found.append(f"img src {src!r} is not absolute http(s)")
        if img.get("border") != "0" and not re.search(r"border:\s*0", img.get("style", "")):
            found.append(f"img {src} has no border 0")
        if re.search(r"\.svg(\?|$)", src, re.I):
            found.append(f"img {src} is an SVG")
    return found


def item_7(html: str, expect: Expect) -> list[str]:
    found = []
    article_urls = {a.url.split("#")[0].split("?")[0]: a for a in expect.articles}
    article_urls.update(zip(expect.article_links, expect.articles))
    for link in _doc(html).iter("a"):
        href = link.get("href", "")
        text = link.text_content().strip()
        alts = [i.get("alt", "") for i in link.iter("img") if i.get("alt")]
        if not re.match(r"(https?://[^\s/]+|mailto:|tel:\+?\d{7,15}$)", href):
            found.append(f"link href {href!r} is not absolute http(s), mailto or tel")
        if not text and not alts:
            found.append(f"link to {href} has no text and no image alt")
        if re.search(r"\bclick here\b|^here$|^read more$", text, re.I):
            found.append(f"link text {text!r} does not say where it goes")
        article = article_urls.get(href.split("#")[0].split("?")[0])
        if article and text and article.title not in text:
            found.append(f"link to {article.url} has text {text!r} that does not name it")
    return found


def item_8(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    if len(doc.xpath("//h1")) != 1:
        found.append(f"{len(doc.xpath('//h1'))} <h1> elements")
    h2 = [h.text_content().strip() for h in doc.xpath("//h2")]
    for article in expect.articles:
        if article.title not in h2:
            found.append(f"article title {article.title!r} is not an <h2>")
    levels = [int(h.tag[1]) for h in doc.iter() if isinstance(h.tag, str)
              and re.fullmatch(r"h[1-6]", h.tag)]
    for before, after in zip([0] + levels, levels):
        if after > before + 1:
            found.append(f"heading level skips from h{before} to h{after}")
    return found


def item_9(html: str, expect: Expect) -> list[str]:
    body = _doc(html).body
    first = next((e for e in body if isinstance(e.tag, str)), None)
    if first is None or "preheader" not in (first.get("class") or ""):
        return ["the first thing in the body is not the preheader"]
    found = []
    style = re.sub(r"\s", "", first.get("style", ""))
    for needed in ("display:none", "max-height:0", "overflow:hidden", "mso-hide:all"):
        if needed not in style:
            found.append(f"preheader style lacks {needed}")
    if first.get("aria-hidden") != "true":
        found.append("preheader lacks aria-hidden=true")
    text = first.text_content()
    if not 40 <= len(text) <= 140:
        found.append(f"preheader is {len(text)} characters (40-140)")
    if text != expect.preheader:
        found.append("preheader text is not the issue's preheader")
    lead = expect.articles[0] if expect.articles else None
    if lead and lead.summary[:20] not in text and lead.title[:20] not in text:
        found.append("preheader does not speak of the lead article")
    return found


_TEXT_TAGS = {"p", "h1", "h2", "h3", "a", "span", "li", "td", "div"}


def item_10(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    if doc.body.xpath(".//style"):
        found.append("<style> outside <head>")
    if len(_styles(doc).encode()) > 16 * KB:
        found.append("more than 16 KB of <style>")
    for element in doc.body.iter():
        if element.tag not in _TEXT_TAGS or not (element.text or "").strip():
            continue
        style = element.get("style", "")
        if not re.search(r"(^|;)\s*color\s*:", style):
            found.append(f"<{element.tag}> {element.text.strip()[:30]!r} has no inline color")
        if "font-family" not in style:
            found.append(f"<{element.tag}> {element.text.strip()[:30]!r} has no inline font")
    stacks = re.findall(r"font-family\s*:\s*([^;}]+)", _styles(doc) + ";" + ";".join(
        doc.xpath("//@style")))
    generic = ("sans-serif", "serif", "monospace", "system-ui", "cursive")
    for stack in stacks:
        if stack.split(",")[-1].strip().strip("'\" !important") not in generic:
            found.append(f"font-family stack {stack.strip()!r} does not end in a generic family")
    return found


def item_11(html: str, expect: Expect) -> list[str]:
    found = []
    for condition, body in _media_blocks(_styles(_doc(html))):
        for declaration in _declarations(body):
            if not declaration.endswith("!important"):
                found.append(f"@media {condition}: {declaration!r} lacks !important")
    return found


def item_12(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    css = _styles(doc) + ";" + ";".join(doc.xpath("//@style"))
    for prop, value in re.findall(r"((?:background-|border-[a-z-]*)?color)\s*:\s*([^;}!]+)", css):
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value.strip()):
            found.append(f"{prop}: {value.strip()} is not a 6-digit hex color")
    for value in doc.xpath("//@bgcolor"):
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            found.append(f"bgcolor {value} is not a 6-digit hex color")
    return found


def item_13(html: str, expect: Expect) -> list[str]:
    found = []
    if len(html.encode("utf-8")) > 90 * KB:
        found.append(f"HTML is {len(html.encode()) / KB:.1f} KB (at most 90)")
    if re.search("[\x80-\x9f]", html):
        found.append("HTML contains U+0080-U+009F control characters")
    return found


def item_14(html: str, expect: Expect) -> list[str]:
    doc, found = _doc(html), []
    hrefs = {a.get("href"): a.text_content().strip() for a in doc.iter("a")}
    if expect.unsubscribe_word.lower() not in hrefs.get(expect.unsubscribe_url, "").lower():
        found.append("no visible Unsubscribe link to the subscriber's unsubscribe URL")
    if expect.web_url not in hrefs:
        found.append("no link to the web version")
    text = " ".join(doc.body.text_content().split())
    if " ".join(expect.postal_address.split()) not in text:
        found.append("the postal address is missing")
    if expect.reason not in text:
        found.append("the email does not say why the reader gets it")
    return found


def item_15(html: str, expect: Expect) -> list[str]:
    found = []
    for token in ("{{", "{%", "%}", "}}"):
        if token in html:
            found.append(f"unrendered template token {token}")
    if re.search(r"%%[A-Z][A-Z0-9_]*%%", html):
        found.append("an unfilled %%PLACEHOLDER%% remains")
    text = _doc(html).text_content()
    for article in expect.articles:
        if article.title not in text:
            found.append(f"article title {article.title!r} is not shown as text (unescaped?)")
    return found


ITEMS = [item_1, item_2, item_3, item_4, item_5, item_6, item_7, item_8, item_9, item_10,
         item_11, item_12, item_13, item_14, item_15]


def problems(html: str, expect: Expect) -> list[str]:
    return [f"{item.__name__}: {p}" for item in ITEMS for p in item(html, expect)]
