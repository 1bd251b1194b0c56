"""The email as bytes on the wire, made once per issue and filled in per subscriber.

Building an `EmailMessage` per subscriber costs as much as sending it. Instead the issue is
encoded once into literal byte pieces with holes for the per-subscriber fields. Each body
piece is quoted-printable encoded on its own and ends in a soft line break, so a field can
never be split or altered by the encoding, and each field is encoded for the place it fills
(a header, the plain text, an HTML attribute) when it is filled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from html import escape

from ..common.model import Recipient
from ..common.settings import Settings
from ..common.text import one_line
from ..common.tokens import unsubscribe_token
from .render import PLACEHOLDER, RenderedIssue, greeting, personalize

HEADER, TEXT, HTML = "header", "text", "html"
SOFT_BREAK = b"=\r\n"


@dataclass(frozen=True)
class MessageTemplate:
    """Literal bytes and (field, place) holes, in order."""

    pieces: tuple[bytes | tuple[str, str], ...]

    def fill(self, fields: Mapping[str, str]) -> bytes:
        return b"".join(piece if isinstance(piece, bytes) else _encode(fields[piece[0]], piece[1])
                        for piece in self.pieces)

    @property
    def fields(self) -> set[str]:
        return {piece[0] for piece in self.pieces if not isinstance(piece, bytes)}


def issue_message(rendered: RenderedIssue, settings: Settings, *, date: datetime,
                  links: Mapping[str, str] | None = None) -> MessageTemplate:
    """The whole message of an issue, per-subscriber fields left as holes. `links` fill the
    article links (see clicks.py): the same for every subscriber, so filled here, once."""
    if links:
        rendered = dataclasses.replace(rendered, html=personalize(rendered.html, links, html=True),
                                       text=personalize(rendered.text, links, html=False))
    boundary = "==nl-" + hashlib.sha256(rendered.html.encode()).hexdigest()[:24] + "=="
    static = EmailMessage(policy=SMTP)
    static["From"] = Address(settings.sender.name, addr_spec=settings.sender.address)
    if settings.sender.reply_to:
        static["Reply-To"] = settings.sender.reply_to
    static["Subject"] = rendered.subject
    static["Date"] = format_datetime(date)
    static["MIME-Version"] = "1.0"
    static["List-Id"] = f"{settings.clinic.name} <newsletter.{sender_domain(settings)}>"
    static["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    static["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    head = b"".join(SMTP.fold_binary(name, value) for name, value in static.items())
    pieces: list[bytes | tuple[str, str]] = [
        head,
        b"To: ", ("TO", HEADER), b"\r\nMessage-ID: ", ("MESSAGE_ID", HEADER),
        b"\r\nList-Unsubscribe: <", ("UNSUBSCRIBE_URL", HEADER),
        b">,\r\n <", ("UNSUBSCRIBE_MAILTO", HEADER), b">\r\n\r\n",
    ]
    for subtype, body, place in (("plain", rendered.text, TEXT), ("html", rendered.html, HTML)):
        pieces.append(f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode())
        pieces += _body_pieces(body, place)
        pieces.append(b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode())
    return MessageTemplate(tuple(_merged(pieces)))


def recipient_fields(recipient: Recipient, settings: Settings, slug: str, *,
                     secret: str) -> dict[str, str]:
    """What differs per subscriber: address, Message-ID, unsubscribe links, greeting."""
    token = unsubscribe_token(secret, recipient.id)
    base = settings.clinic.public_base_url.rstrip("/")
    mailbox = settings.sender.reply_to or settings.sender.address
    return {
        "TO": formataddr((one_line(recipient.name), recipient.email), charset="utf-8"),
        "MESSAGE_ID": message_id(settings, slug, recipient.id),
        "UNSUBSCRIBE_URL": f"{base}/unsubscribe/{token}",
        "UNSUBSCRIBE_MAILTO": f"mailto:{mailbox}?subject=unsubscribe%20{token}",
        "GREETING": greeting(recipient.name, settings.clinic.language),
    }


SAMPLE_READER = Recipient(0, "jordan.reader@example.com", "Jordan Reader")


def sample_fields(settings: Settings, slug: str, recipient: Recipient = SAMPLE_READER
                  ) -> dict[str, str]:
    """Fields for someone who is not on the list (previews, test sends): the unsubscribe
    link is a harmless sample."""
    fields = recipient_fields(recipient, settings, slug, secret="sample")
    fields["UNSUBSCRIBE_URL"] = f"{settings.clinic.public_base_url.rstrip('/')}/unsubscribe/sample"
    return fields


def message_id(settings: Settings, slug: str, subscriber_id: int) -> str:
    """The same for the same issue and subscriber, so a retried message is recognisably one."""
    return f"<newsletter.{slug}.{subscriber_id}@{sender_domain(settings)}>"


def automated_message(settings: Settings, to: str, subject: str, *, text: str,
                      html: str = "", now: datetime, kind: str = "notice") -> bytes:
    """A one-off message from the clinic's sender (a confirmation link, a note to staff),
    marked as automatic so that no mailbox answers it with an out-of-office."""
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(settings.sender.name, addr_spec=settings.sender.address)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    # unique by chance, not by the clock; short enough that the header is never folded
    message["Message-ID"] = f"<{secrets.token_hex(8)}.{kind}@{sender_domain(settings)}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    if html:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message.as_bytes()


def sender_domain(settings: Settings) -> str:
    return settings.sender.address.rpartition("@")[2].lower()


def _body_pieces(body: str, place: str) -> list[bytes | tuple[str, str]]:
    parts = PLACEHOLDER.split(body.replace("\r\n", "\n"))
    pieces: list[bytes | tuple[str, str]] = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append((part, place))
        elif part:
            pieces.append(_qp(part))
    return pieces


def _qp(text: str) -> bytes:
    """Quoted-printable, CRLF line ends, always ending at a line end (soft if need be).
    Encoded to 75 columns so that the soft break added after the last line keeps it within
    RFC 2045's 76."""
    encoded = quoprimime.body_encode(text.encode("utf-8").decode("latin-1"),
                                     maxlinelen=75, eol="\r\n").encode("ascii")
    return encoded if encoded.endswith(b"\r\n") else encoded + SOFT_BREAK


def _encode(value: str, place: str) -> bytes:
    if place == HEADER:
        return value.encode("ascii")  # headers are made ASCII-safe when the fields are made
    return _qp(escape(value) if place == HTML else value)


def _merged(pieces):
    """Adjacent literal pieces joined, so filling is one join over few pieces."""
    merged: list = []
    for piece in pieces:
        if isinstance(piece, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged
