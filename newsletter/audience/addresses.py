"""Subscriber fields as people type them (in a spreadsheet, a form, a shell) made safe to
store and to put in a mail header: the address, the name, the tags. Pure: no I/O.

Address syntax is the `email-validator` library's job (RFC 5321/5322 rules, IDNA for
internationalized domains); we only decide the policy around it.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from ..common.errors import SubscriberError
from ..common.i18n import Phrase
from ..common.text import one_line

NAME_MAX = 100
TAGS_MAX = 20
TAG_MAX = 50
_TAG = re.compile(r"[a-z0-9_][a-z0-9_ -]*")
_TAG_SEPARATORS = re.compile(r"[;,]")
# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection");
# exports are opened in spreadsheets, so no stored value may start with one.
_FORMULA_STARTS = "=+-@"


class InvalidValue(SubscriberError):
    """A value that cannot be stored; `str(error)` is the reason, worded for a person."""


def normalize_address(raw: str) -> str:
    """The one spelling we store and compare: trimmed, checked, ASCII (an internationalized
    domain becomes punycode), lowercase. Raises `InvalidValue` with the reason.

    Lowercasing the local part is not what RFC 5321 promises, but it is what every mailbox
    provider does, and it is what makes `Bob@X.com` and `bob@x.com` one subscriber.
    """
    address = raw.strip()
    if not address:
        raise InvalidValue("no address")
    if "@" not in address:
        raise InvalidValue("missing @")
    if address[0] in "=+-":  # "@" first is the library's "nothing before the @-sign"
        raise InvalidValue("starts with %(first)r, which spreadsheets run as a formula",
                           first=address[0])
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise InvalidValue(_validator_reason(str(error).rstrip("."))) from None
    return checked.ascii_email.lower()


_VALIDATOR_REASONS = {reason.msgid: reason for reason in (
    Phrase("There must be something after the @-sign"),
    Phrase("There must be something before the @-sign"),
    Phrase("An email address cannot have two periods in a row"),
    Phrase("An email address cannot start with a period"),
    Phrase("An email address cannot have a period immediately before the @-sign"),
    Phrase("An email address cannot have a period immediately after the @-sign"),
    Phrase("An email address cannot have a hyphen immediately after the @-sign"),
    Phrase("The part after the @-sign is not valid. It should have a period"),
    Phrase("The part after the @-sign is a special-use or reserved name that cannot be used "
           "with email"))}
_VALIDATOR_CHARACTERS = (
    ("The email address contains invalid characters before the @-sign: ", lambda chars: Phrase(
        "The email address contains invalid characters before the @-sign: %(chars)s",
        chars=chars)),
    ("The part after the @-sign contains invalid characters: ", lambda chars: Phrase(
        "The part after the @-sign contains invalid characters: %(chars)s", chars=chars)))


def _validator_reason(reason: str) -> str:
    """The email validator's most common reasons (in its own English) as Phrases, so that a
    front desk reads them in the clinic's language; any other reason as it is."""
    if reason in _VALIDATOR_REASONS:
        return _VALIDATOR_REASONS[reason]
    for start, phrase in _VALIDATOR_CHARACTERS:
        if reason.startswith(start):
            return phrase(reason.removeprefix(start))
    return reason


def clean_name(raw: str) -> str:
    """A name for a greeting and a `To:` header: one line, no control characters, at most
    100 characters, never starting like a spreadsheet formula."""
    return one_line(raw).lstrip(_FORMULA_STARTS + " ")[:NAME_MAX].rstrip()


def parse_tags(raw: str) -> tuple[str, ...]:
    """`"Back pain; VIP, vip"` -> `("back pain", "vip")`: split on `;` or `,`, trimmed,
    lowercase, first spelling kept. Raises `InvalidValue` for a tag with other characters
    (a typo is better caught than silently turned into a new tag) or too many tags."""
    tags, dropped = split_tags(raw)
    if dropped:
        tag, reason = dropped[0]
        raise InvalidValue("tag %(tag)r %(reason)s", tag=tag, reason=reason)
    return tags


def split_tags(raw: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The good tags of `raw` (as `parse_tags` makes them), and each other one with the
    reason it was left out: an import keeps the person and drops only the tag. Quotes around
    a tag (Mailchimp writes `"Back Pain","VIP"`) are not part of it."""
    tags: dict[str, None] = {}
    dropped = []
    for part in _TAG_SEPARATORS.split(raw):
        tag = " ".join(part.strip().strip('"').split()).lower()
        if not tag:
            continue
        if not _TAG.fullmatch(tag):
            dropped.append((tag, Phrase("may only have letters a-z, digits, '-', '_' and "
                                        "spaces, and may not start with '-'")))
        elif len(tag) > TAG_MAX:
            dropped.append((tag[:20] + "…", Phrase("is longer than %(most)d characters",
                                                  most=TAG_MAX)))
        elif tag not in tags and len(tags) == TAGS_MAX:
            dropped.append((tag, Phrase("is one too many: at most %(most)d tags",
                                        most=TAGS_MAX)))
        else:
            tags[tag] = None
    return tuple(tags), tuple(dropped)
