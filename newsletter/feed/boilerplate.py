"""What platforms add to a post that is not the post: WordPress's "The post X appeared first
on Y" footer (in every language it ships), "Read more" links, FeedBurner's flare, share
prompts, ad labels. Removed from the parsed HTML by its structure where it has one, and from
text lines by the words each platform uses. Pure.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..common.links import normalized_link

# Yoast SEO / WordPress "appeared first on" in the languages it is translated into, and the
# same sentence from other plugins. Matched on a whole paragraph, so a post that quotes one
# mid-sentence keeps it.
_FOOTER = re.compile(
    r"^(The post|Der Beitrag|La entrada|L[’']article|L[’']articolo|O post|A entrada|Het bericht|"
    r"Wpis|Inlägget|Indlægget|Innlegget|Artikkeli|Příspěvek|Запис|Запись|Το άρθρο|Yazı)\b.{1,300}"
    r"\b(appeared first on|first appeared on|erschien zuerst auf|aparece primero en|"
    r"apareció primero en|est apparu en premier sur|apparaît en premier sur|sembra essere il "
    r"primo su|è apparso per la prima volta su|apareceu primeiro em|apareceu pela primeira vez "
    r"em|verscheen eerst op|pojawił się poraz pierwszy w|pojawił się po raz pierwszy w|dök "
    r"först upp på|blev først vist på|dukket først opp på|ilmestyi ensimmäisen kerran|se poprvé "
    r"objevil na|спершу з['’]явився на|впервые появилась на|εμφανίστηκε πρώτα στο|ilk önce .* "
    r"üzerinde ortaya çıktı)\b.{0,200}$"
    r"|^.{1,300}(最先出现在|首先出现在|最初に表示されました|が最初に).{0,100}$"
    # Medium's and other hosts' "originally published" line
    r"|^.{1,300}\bwas originally published (in|on)\b.{0,300}$",
    re.I | re.S)

_READ_MORE = re.compile(
    r"^[\s\[(»›→…-]*(read more|read the (full|rest)|continue reading|keep reading|more|"
    r"weiterlesen|mehr lesen|leer más|seguir leyendo|sigue leyendo|continuar leyendo|"
    r"lire la suite|lire plus|continua a leggere|leggi tutto|ler mais|continuar lendo|"
    r"leia mais|lees verder|lees meer|läs mer|læs mere|les mer|czytaj dalej|читати далі|"
    r"читать далее|阅读更多|繼續閱讀|继续阅读|続きを読む|もっと読む)\b.{0,80}$", re.I | re.S)

_AD_LABEL = re.compile(r"^(annons|anzeige|werbung|advertisement|advertorial|sponsored|"
                       r"gesponsert|publicidad|publicité|pubblicità|reklama|реклама|"
                       r"patrocinado|sponsrad|mainos)\s*[:|–-]?\s*", re.I)

_PROMPT = re.compile(
    r"^(share( this( article| post| page)?)?|teilen|diesen beitrag teilen|compartir|"
    r"compartilhe|partager|condividi|dela|del|udostępnij|поділитися|"
    r"connect with us|follow us|folge uns|síguenos|suivez-nous|like this|"
    r"gefällt mir|related( posts| articles)?|you may also like|tags?|categor(y|ies)|"
    r"filed under|posted in|leave a (comment|reply)|\d+ comments?|"
    r"subscribe( now| to our newsletter)?|sign up( for our newsletter)?|loading\s*(\.\.\.|…)?|"
    r"like loading\s*(\.\.\.|…)?)\s*[:.!]?$"
    # affiliate and sponsorship disclosures that open many posts
    r"|^(this (post|article|page) (may )?contains? (affiliate|sponsored)|"
    r"(affiliate )?disclosure:|as an amazon associate)\b.{0,300}$", re.I)


_PLATFORM_CLASS = re.compile(r"\b(more-link|read-more|readmore|feedflare|sharedaddy|"
                             r"share-?buttons?|jp-relatedposts|addtoany|social-share|"
                             r"wp-block-buttons)\b", re.I)
_FEED_ADS = re.compile(r"/~f[fa]/|feedads")


def is_boilerplate_line(line: str) -> bool:
    """A whole line of text that a platform added: a footer, a read-more link, a share or
    follow prompt, an ad label standing alone."""
    line = line.strip()
    return bool(_FOOTER.match(line) or _READ_MORE.match(line) or _PROMPT.match(line)
                or _AD_LABEL.fullmatch(line))


def without_ad_label(line: str) -> str:
    """"Annons: Sju tips..." -> "Sju tips...": the label goes, the words stay."""
    return _AD_LABEL.sub("", line, count=1) if _AD_LABEL.match(line) else line


def strip_boilerplate(root, *, article_url: str) -> None:
    """Remove from a parsed post what its structure marks as a platform's: read-more
    anchors, FeedBurner's flare, share blocks, and a closing paragraph whose only links are
    to the post itself and to the site (the footer, whatever its language)."""
    if root is None:
        return
    own = _key(article_url)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        classes = element.get("class")
        if classes and _PLATFORM_CLASS.search(classes):
            _drop(element)
        elif element.tag == "a" and (_READ_MORE.match(element.text_content() or "")
                                     or _FEED_ADS.search(element.get("href", ""))):
            _drop(element)
    paragraphs = [p for p in root.iter("p", "div") if p.getparent() is not None]
    for paragraph in reversed(paragraphs[-3:]):
        links = [_key(a.get("href", "")) for a in paragraph.iter("a")]
        if (links and own in links
                and all(link == own or _is_home_page(link) for link in links)
                and len((paragraph.text_content() or "").split()) <= 40):
            _drop(paragraph)


def _is_home_page(link: str) -> bool:
    return urlsplit(link).path in ("", "/")


def _key(url: str) -> str:
    try:
        return normalized_link(url) if url else ""
    except ValueError:
        return ""


def _drop(element) -> None:
    """Remove an element but keep the text that follows it (its tail) in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
