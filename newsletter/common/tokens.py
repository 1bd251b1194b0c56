"""Signed tokens for links that act without a login: unsubscribe, confirm a subscription,
and the click links of article links (which name an issue and an article, never a reader).

An HMAC-SHA256 with the secret from the environment makes them unguessable and
tamper-proof; nothing is stored per token, so a link keeps working as long as the secret
does (the law asks for at least 30 days after a send).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

SIGNATURE_CHARS = 32  # 192 bits of the HMAC, base64url
TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,500}")
"""What a token of ours can hold, ASCII only: a link's path is decoded to any text, and
`hmac.compare_digest` raises on a str that is not ASCII."""
MAX_ID = 2**31 - 1
"""The largest row id every database holds: the schema's ids are Integer, 32 bits on
PostgreSQL (SQLite's go to 2**63 - 1, but hand out one at a time from 1). A bigger number
in a URL or a form names nothing, and must not reach a query: PostgreSQL refuses it
("integer out of range"), SQLite's driver raises OverflowError past 2**63 - 1."""


def _signature(secret: str, purpose: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def sign(secret: str, purpose: str, payload: str) -> str:
    """`payload.signature`; the payload must be URL-safe ([A-Za-z0-9_-] and dots)."""
    return f"{payload}.{_signature(secret, purpose, payload)}"


def verify(secret: str, purpose: str, token: str) -> str | None:
    """The payload of a genuine token for `purpose`, else None (never an exception)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    payload, _, signature = token.rpartition(".")
    expected = _signature(secret, purpose, payload)
    if not payload or not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    return payload


def row_id(text: str) -> int | None:
    """`text` as a row id (ASCII digits, in range), else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def unsubscribe_token(secret: str, subscriber_id: int) -> str:
    return sign(secret, "unsubscribe", str(subscriber_id))


def subscriber_of(secret: str, token: str) -> int | None:
    """Which subscriber an unsubscribe token speaks for, if it is genuine."""
    payload = verify(secret, "unsubscribe", token)
    return row_id(payload) if payload else None


CLICK_SIGNATURE_CHARS = 16
"""96 bits: short in a link, and no one guesses one by trying."""


def click_signature(secret: str, slug: str, article: int, *, counted: bool) -> str:
    """Signs an article link of an issue; a test copy's link ("not counted") is signed as
    such, so it cannot be turned into one that counts."""
    payload = f"{slug}/{article}" + ("" if counted else "/test")
    return _signature(secret, "click", payload)[:CLICK_SIGNATURE_CHARS]


def is_click_signature(secret: str, slug: str, article: int, signature: str, *,
                       counted: bool) -> bool:
    expected = click_signature(secret, slug, article, counted=counted)
    return hmac.compare_digest(signature.encode("utf-8", "replace"), expected.encode())
