"""What the mail that comes back says: bounce reports (RFC 3464 delivery status
notifications) and complaint reports (RFC 5965 feedback loops) read into findings.

Pure: bytes in, findings out; deciding what to do with a subscriber is the caller's.
A bounce counts only when the address does not exist (the same rule as a refusal during
the send, `no_such_address`): a full mailbox or a spam filter's refusal is not a reason
to stop mailing someone. A complaint names its subscriber by the unsubscribe token in
the copy of our message the report carries, so a forged report cannot name anyone.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

from ..common.tokens import subscriber_of

# RFC 3463: bad destination mailbox (5.1.1), system (5.1.2) or syntax (5.1.3), moved with no
# forwarding address (5.1.6), a domain that takes no mail (5.1.10, RFC 7505).
_NO_SUCH_ADDRESS = re.compile(r"5\.1\.(?:1|2|3|6|10)(?!\d)")
_UNSUBSCRIBE_TOKEN = re.compile(r"/unsubscribe/([\w.-]+)>")


def no_such_address(status: str) -> bool:
    """Whether an enhanced status code (at the start of `status`) says the address does
    not exist."""
    return bool(_NO_SUCH_ADDRESS.match(status.strip()))


@dataclass(frozen=True)
class HardBounce:
    address: str
    status: str
    diagnostic: str


@dataclass(frozen=True)
class Complaint:
    subscriber_id: int
    feedback_type: str


@dataclass(frozen=True)
class Ignored:
    why: str


Finding = HardBounce | Complaint | Ignored


def read_report(raw: bytes, *, secret: str) -> list[Finding]:
    """The findings of one message from the bounce mailbox; a message that is neither kind
    of report, or that says nothing actionable, is one Ignored saying why."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if message.get_content_type() != "multipart/report":
        return [Ignored("not a delivery or feedback report")]
    kind = (message.get_param("report-type") or "").lower()
    if kind == "delivery-status":
        return _bounces(message) or [Ignored("a delivery report with no failed address")]
    if kind == "feedback-report":
        return [_complaint(message, secret)]
    return [Ignored(f"a report of type {kind or 'none'}")]


def _bounces(report: EmailMessage) -> list[Finding]:
    found: list[Finding] = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _recipient_blocks(part):
            action = str(fields.get("Action", "")).strip().lower()
            status = str(fields.get("Status", "")).strip()
            address = _address(fields.get("Final-Recipient") or fields.get("Original-Recipient"))
            if action != "failed" or not address:
                continue
            diagnostic = " ".join(str(fields.get("Diagnostic-Code", "")).split())[:200]
            found.append(HardBounce(address, status, diagnostic) if no_such_address(status)
                         else Ignored(f"{address}: {status or 'no status'} is not a missing "
                                      "address"))
    return found


def _recipient_blocks(part: Message) -> list[Message]:
    """The per-recipient field blocks (the parser reads each block as a message; the first
    is about the whole message)."""
    payload = part.get_payload()
    return payload[1:] if isinstance(payload, list) else []


def _address(field) -> str:
    """`rfc822; Ana@Mail.example` -> `Ana@Mail.example`."""
    kind, _, address = str(field or "").partition(";")
    return address.strip().strip("<>") if kind.strip().lower() == "rfc822" else ""


def _complaint(report: EmailMessage, secret: str) -> Finding:
    feedback_type = "abuse"
    for part in report.walk():
        if part.get_content_type() == "message/feedback-report":
            feedback_type = str(_fields_of(part).get("Feedback-Type", feedback_type)).strip()
    for part in report.walk():
        copy = _copy_of_ours(part)
        if copy is None:
            continue
        for token in _UNSUBSCRIBE_TOKEN.findall(str(copy.get("List-Unsubscribe", ""))):
            subscriber_id = subscriber_of(secret, token)
            if subscriber_id is not None:
                return Complaint(subscriber_id, feedback_type.lower())
    return Ignored("a complaint without a genuine unsubscribe link of ours in its copy")


def _fields_of(part: Message) -> Message:
    """A message/* part's fields, parsed as one header block."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return payload[0]
    return email.message_from_string(str(payload or ""), policy=email.policy.default)


def _copy_of_ours(part: Message) -> Message | None:
    """The copy of the reported message: whole (message/rfc822) or its headers only."""
    if part.get_content_type() == "message/rfc822":
        return _fields_of(part)
    if part.get_content_type() == "text/rfc822-headers":
        return email.message_from_string(part.get_content(), policy=email.policy.default)
    return None
