"""Article addresses: one spelling to recognise an article by, and campaign tags to count
readers by, neither of which may lose the query or the fragment the clinic put there."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


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
