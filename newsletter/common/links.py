"""Addresses: only plain http(s) ones from a feed, one spelling to recognise an article by,
and campaign tags to count readers by, none of which may lose the query or the fragment the
clinic put there."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

import regex


def normalized_link(url: str) -> str:
    """The same article whatever campaign tags or fragment a link picked up on the way."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_")]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def with_utm(url: str, *, source: str, medium: str, campaign: str) -> str:
    """`url` tagged for analytics: existing query kept (its own utm_ keys replaced), the
    fragment last, tag values lowercase."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in ("utm_source", "utm_medium", "utm_campaign")]
    query += [("utm_source", source.lower()), ("utm_medium", medium.lower()),
              ("utm_campaign", campaign.lower())]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query),
                       parts.fragment))


# Kept as they are in a path, query or fragment: the reserved delimiters, "%" of an existing
# escape, and the unreserved marks. Everything else (spaces, ", <, >, non-ASCII) is encoded.
_URL_SAFE = "/?:@!$&'()*+,;=%-._~"


def ascii_url(url: str) -> str:
    """`url` with every character outside ASCII (and spaces, double quotes, angle brackets) in
    its path, query and fragment percent-encoded: every platform links such a URL to its end,
    where many stop at the first character they do not expect. The host is left as it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, parts.netloc, quote(parts.path, safe=_URL_SAFE),
                       quote(parts.query, safe=_URL_SAFE), quote(parts.fragment, safe=_URL_SAFE)))


def article_slug(url: str, title: str) -> str:
    """Names an article in campaign tags: the last segment of its address ("back-pain" in
    /blog/back-pain/), else its title, as lowercase words joined by hyphens."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        path = ""
    segments = [segment for segment in path.split("/") if segment.strip()]
    base = re.sub(r"\.(?:html?|php|aspx?)$", "", segments[-1], flags=re.I) if segments else ""
    slug = "-".join(regex.findall(r"[\p{L}\p{Nd}]+", base.lower()))
    if not slug:
        slug = "-".join(regex.findall(r"[\p{L}\p{Nd}]+", title.lower()))
    return slug[:80].strip("-") or "article"


def safe_url(url: str | None, base: str = "") -> str | None:
    """`url` made absolute against `base` if it is a plain http(s) address, else None.

    Browsers ignore tabs and newlines inside a scheme ("java\\tscript:"), so they are removed
    before the scheme is judged, never after. A "%" that starts no escape is escaped itself, so
    no address can carry a "%%NAME%%" placeholder to be filled with a subscriber's data.
    """
    if not url:
        return None
    url = re.sub(r"[\x00-\x20\x7f]", "", url.strip().replace(" ", "%20"))
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    if not url or len(url) > 2000:
        return None
    try:
        given = urlsplit(url)
        absolute = urljoin(base, url) if base else url
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if (given.scheme or url.startswith("//")) and not given.netloc:
        return None  # "https://" or "//" names no host; joined to the base it is the page itself
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def tel_link(phone: str) -> str:
    """A phone number as a tap-to-call link: tel: and the digits, with a leading + kept."""
    digits = re.sub(r"\D", "", phone)
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"
