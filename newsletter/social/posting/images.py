"""The article's lead image, fetched to upload with a post where the platform takes one.

Its address comes from the feed, so it is untrusted: only http(s), a size cap, a timeout,
and the bytes must be a JPEG, PNG, GIF or WebP by their own signature (whatever the server
says), so nothing but a picture is ever uploaded. A picture that cannot be had is a note,
not a failure: the post goes without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

MAX_BYTES = 8_000_000
"""Mastodon's default limit for an image is 16 MB, Bluesky's 1 MB (a larger one is left out
there); more than this is not worth holding in memory."""
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
              (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


@dataclass(frozen=True)
class Picture:
    url: str
    data: bytes
    mime: str
    alt: str


def fetch_picture(url: str, alt: str, *, timeout: float) -> tuple[Picture | None, str]:
    """The picture at `url`, or None and why not."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None, f"the image {url} is not an http(s) address: posted without it"
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True,
                          headers={"User-Agent": "clinic-newsletter"}) as response:
            if response.status_code != 200:
                return None, f"the image {url} answered {response.status_code}: posted without it"
            data = b""
            for piece in response.iter_bytes():
                data += piece
                if len(data) > MAX_BYTES:
                    return None, f"the image {url} is over {MAX_BYTES // 1_000_000} MB: " \
                                 "posted without it"
    except httpx.HTTPError as error:
        return None, f"the image {url} could not be fetched ({error.__class__.__name__}): " \
                     "posted without it"
    mime = picture_type(data)
    if mime is None:
        return None, f"{url} is not a JPEG, PNG, GIF or WebP picture: posted without it"
    return Picture(url, data, mime, alt), ""


def picture_type(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for signature, mime in SIGNATURES if data.startswith(signature)), None)
