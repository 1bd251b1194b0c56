"""The message module on its own: a MessageTemplate fills each field encoded for its place, a
filled issue parses back (with the standard library's email package, an independent reader)
to exactly the text and HTML the renderer made, and the encoding can never split or alter a
field. Then the per-subscriber fields and the one-off automated messages."""

import dataclasses
import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from newsletter.common.model import Recipient
from newsletter.common.settings import ClinicSettings, SenderSettings, Settings
from newsletter.common.tokens import unsubscribe_token, verify
from newsletter.issue.message import (HEADER, HTML, SAMPLE_READER, TEXT, MessageTemplate,
                                      automated_message, issue_message, message_id,
                                      recipient_fields, sample_fields)
from newsletter.issue.render import RenderedIssue, greeting, personalize

from ..helpers import rendered, sample_articles

DATE = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
SECRET = "test-secret"
SETTINGS = Settings()
ANA = Recipient(7, "ana@mail.example", "Ana López")
FIELDS = {"TO", "MESSAGE_ID", "UNSUBSCRIBE_URL", "UNSUBSCRIBE_MAILTO", "GREETING"}


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def parts_of(raw: bytes) -> tuple[str, str]:
    """The decoded text and HTML parts of a filled issue, line ends as the renderer wrote them."""
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert not message.defects
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert text["Content-Transfer-Encoding"] == html["Content-Transfer-Encoding"] \
        == "quoted-printable"
    assert not text.defects and not html.defects
    return (text.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n"))


def assert_wire_safe(raw: bytes) -> None:
    """ASCII, CRLF line ends only, and no body line over quoted-printable's 76 (RFC 2045)."""
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    body = raw.split(b"\r\n\r\n", 1)[1]
    long = [line for line in body.split(b"\r\n") if len(line) > 76]
    assert not long, long[:3]


def issue(text: str, html: str, slug: str = "2026-11-30") -> RenderedIssue:
    return RenderedIssue(slug=slug, subject="Back pain", preheader="Three stretches",
                         html=html, text=text, web_url=f"https://clinic.example/archive/{slug}")


def filled(rendered_issue: RenderedIssue, fields: dict[str, str]) -> bytes:
    return issue_message(rendered_issue, SETTINGS, date=DATE).fill(fields)


def ana_fields(slug: str = "2026-11-30", recipient: Recipient = ANA) -> dict[str, str]:
    return recipient_fields(recipient, SETTINGS, slug, secret=SECRET)


# --- MessageTemplate: pieces and fill ---------------------------------------------------------

def test_fill_encodes_each_field_for_its_place():
    """A header field goes in as it is (it is ASCII already), a text field quoted-printable,
    an HTML field escaped and then quoted-printable; both body fields end in a soft break so
    the literal after them starts on a line of its own."""
    template = MessageTemplate((b"X-Field: ", ("ID", HEADER), b"\r\n\r\n", ("NAME", TEXT),
                                b"|", ("NAME", HTML), b"end"))
    raw = template.fill({"ID": "<a.b@clinic.example>", "NAME": 'Zoë "Z" <b> & 5=5'})
    assert raw == (b"X-Field: <a.b@clinic.example>\r\n\r\n"
                   b'Zo=C3=AB "Z" <b> & 5=3D5=\r\n'
                   b"|"
                   b"Zo=C3=AB &quot;Z&quot; &lt;b&gt; &amp; 5=3D5=\r\n"
                   b"end")


def test_fields_names_every_hole_once_and_literal_pieces_are_kept_byte_for_byte():
    template = MessageTemplate((b"a\r\n", ("A", TEXT), b"=\r\nb", ("A", HTML), ("B", HEADER)))
    assert template.fields == {"A", "B"}
    assert MessageTemplate((b"only\r\nliteral",)).fields == set()
    assert MessageTemplate((b"only\r\nliteral",)).fill({}) == b"only\r\nliteral"
    assert template.fill({"A": "", "B": "x"}) == b"a\r\n=\r\n=\r\nb=\r\nx"


def test_a_missing_field_is_an_error_never_a_blank():
    template = MessageTemplate((b"To: ", ("TO", HEADER), b"\r\n"))
    with pytest.raises(KeyError):
        template.fill({})


def test_a_header_field_must_already_be_ascii():
    """Headers are made ASCII-safe when the fields are made (recipient_fields); a raw
    non-ASCII value is refused rather than written as 8-bit bytes into a header."""
    template = MessageTemplate((b"To: ", ("TO", HEADER), b"\r\n"))
    with pytest.raises(UnicodeEncodeError):
        template.fill({"TO": "Zoë <zoe@mail.example>"})


# --- a whole issue, filled and parsed back ----------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    result, _, _ = rendered(sample_articles()[:3])
    return result


def test_the_issue_template_has_exactly_the_per_subscriber_holes(sample):
    assert issue_message(sample, SETTINGS, date=DATE).fields == FIELDS


def test_article_links_are_filled_once_for_every_subscriber_never_a_hole_per_subscriber():
    link = "https://clinic.example/newsletter/r/2026-11-30/1/AbCdEfGhIjKlMn-_"
    rendered_issue = issue("Read it: %%ARTICLE_1%%\n%%GREETING%%\n",
                           '<a href="%%ARTICLE_1%%">Back pain</a> <a href="%%UNSUBSCRIBE_URL%%">x</a>')
    template = issue_message(rendered_issue, SETTINGS, date=DATE, links={"ARTICLE_1": link})
    assert template.fields == FIELDS
    for recipient in (ANA, Recipient(8, "bob@example.com", "Bob")):
        text, html = parts_of(template.fill(ana_fields(recipient=recipient)))
        assert f"Read it: {link}\n" in text and f'<a href="{link}">Back pain</a>' in html
    with pytest.raises(KeyError):  # holes nobody filled are an error, never a blank link
        issue_message(rendered_issue, SETTINGS, date=DATE).fill(ana_fields())


def test_a_filled_issue_parses_back_to_the_rendered_text_and_html(sample):
    fields = ana_fields(sample.slug)
    raw = filled(sample, fields)
    text, html = parts_of(raw)
    assert text == personalize(sample.text, fields, html=False)
    assert html == personalize(sample.html, fields, html=True)
    assert "Hi Ana," in text and "%%" not in text and "%%" not in html
    assert_wire_safe(raw)


def test_a_filled_issue_has_the_headers_of_a_list_message(sample):
    fields = ana_fields(sample.slug)
    message = parse(filled(sample, fields))
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (SETTINGS.sender.name,
                                                       SETTINGS.sender.address)
    assert message["Reply-To"] == SETTINGS.sender.reply_to
    assert message["Subject"] == sample.subject
    assert message["Date"] == format_datetime(DATE)
    assert parsedate_to_datetime(message["Date"]) == DATE
    assert message["MIME-Version"] == "1.0"
    to = message["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Ana López", "ana@mail.example")
    assert message["Message-ID"] == fields["MESSAGE_ID"]
    assert message["List-Id"] == (f"{SETTINGS.clinic.name} "
                                  "<newsletter.advancedphysicalmedicine.example>")
    assert message["List-Unsubscribe"] == (f"<{fields['UNSUBSCRIBE_URL']}>, "
                                           f"<{fields['UNSUBSCRIBE_MAILTO']}>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe"):
        assert len(message.get_all(name)) == 1, name


def test_no_reply_to_header_without_a_reply_to_address(sample):
    settings = dataclasses.replace(SETTINGS, sender=SenderSettings(reply_to=""))
    fields = recipient_fields(ANA, settings, sample.slug, secret=SECRET)
    message = parse(issue_message(sample, settings, date=DATE).fill(fields))
    assert "Reply-To" not in message
    assert fields["UNSUBSCRIBE_MAILTO"].startswith(f"mailto:{settings.sender.address}?")


def test_the_date_is_the_callers_and_the_same_inputs_give_the_same_bytes(sample):
    """message.py reads no clock: the Date header is the one given, and nothing else varies
    (no random boundary), so a resent message is the same message."""
    first = issue_message(sample, SETTINGS, date=DATE)
    assert first == issue_message(sample, SETTINGS, date=DATE)
    later = DATE + timedelta(days=1, hours=3)
    raw = issue_message(sample, SETTINGS, date=later).fill(ana_fields(sample.slug))
    assert parse(raw)["Date"] == format_datetime(later)


def test_each_subscriber_gets_their_own_fields_in_the_same_template(sample):
    template = issue_message(sample, SETTINGS, date=DATE)
    bob = Recipient(8, "bob@mail.example", "Bob")
    ana_raw, bob_raw = template.fill(ana_fields(sample.slug)), \
        template.fill(ana_fields(sample.slug, bob))
    assert parse(bob_raw)["To"].addresses[0].addr_spec == "bob@mail.example"
    assert "Hi Bob," in parts_of(bob_raw)[0] and "Hi Ana," not in parts_of(bob_raw)[0]
    assert parse(ana_raw)["Message-ID"] != parse(bob_raw)["Message-ID"]


# --- the encoding cannot split or alter a field -----------------------------------------------

@pytest.mark.parametrize("offset", range(60, 82))
def test_a_placeholder_anywhere_on_a_long_line_is_filled_whole(offset):
    """Quoted-printable breaks lines at 76 characters; a placeholder that starts near (or
    across) that column must still be one field, filled once, with every line short."""
    line = "x" * offset + "%%GREETING%%" + "y" * 200
    accented = "é" * (offset // 2) + "%%UNSUBSCRIBE_URL%%" + "ü" * 50
    body = f"{line}\n{accented}\n"
    fields = ana_fields()
    raw = filled(issue(body, f"<p>{line}</p><a href=\"%%UNSUBSCRIBE_URL%%\">{accented}</a>"),
                 fields)
    text, html = parts_of(raw)
    assert text == personalize(body, fields, html=False)
    assert text.count("Hi Ana,") == 1 and fields["UNSUBSCRIBE_URL"] in text
    assert html == personalize(f"<p>{line}</p><a href=\"%%UNSUBSCRIBE_URL%%\">{accented}</a>",
                               fields, html=True)
    assert_wire_safe(raw)


def test_a_value_with_equals_signs_percent_signs_and_non_ascii_arrives_as_it_was():
    """'=' is quoted-printable's escape and '%%NAME%%' the renderer's placeholder: a value
    holding either is filled once, literally, and never read as one of them."""
    odd = Recipient(9, "zoe@mail.example", "Zoë=3D%%GREETING%%<b>&amp; Smith")
    fields = ana_fields(recipient=odd)
    assert fields["GREETING"] == "Hi Zoë=3D%%GREETING%%<b>&amp;,"
    body = "%%GREETING%%\n=3D and 100% and %%UNSUBSCRIBE_MAILTO%%\n"
    raw = filled(issue(body, "<p>%%GREETING%%</p><p>%%UNSUBSCRIBE_MAILTO%%</p>"), fields)
    text, html = parts_of(raw)
    assert text == ("Hi Zoë=3D%%GREETING%%<b>&amp;,\n"
                    f"=3D and 100% and {fields['UNSUBSCRIBE_MAILTO']}\n")
    assert "subject=unsubscribe%209." in text
    assert html == ("<p>Hi Zoë=3D%%GREETING%%&lt;b&gt;&amp;amp;,</p>"
                    f"<p>{fields['UNSUBSCRIBE_MAILTO']}</p>")
    assert_wire_safe(raw)


def test_placeholders_at_the_edges_side_by_side_and_alone_on_a_line():
    body = "%%GREETING%%%%GREETING%%\n\n%%GREETING%%\ntrailing space %%GREETING%%\n%%GREETING%%"
    fields = ana_fields()
    raw = filled(issue(body, body), fields)
    text, html = parts_of(raw)
    assert text == personalize(body, fields, html=False)
    assert text.startswith("Hi Ana,Hi Ana,\n\nHi Ana,\ntrailing space Hi Ana,")
    assert html == personalize(body, fields, html=True)
    assert_wire_safe(raw)


def test_windows_line_ends_in_the_rendered_body_become_one_crlf_each():
    body = "First line\r\nSecond %%GREETING%%\r\nThird\r\n"
    fields = ana_fields()
    raw = filled(issue(body, "<p>x</p>\r\n"), fields)
    assert parts_of(raw)[0] == "First line\nSecond Hi Ana,\nThird\n"
    assert b"\r\r\n" not in raw


_BODY_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="%\r"),
                     max_size=120)
_PLACEHOLDERS = st.sampled_from(["%%GREETING%%", "%%UNSUBSCRIBE_URL%%", "%%TO%%"])
_VALUES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
_ASCII_VALUES = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=60)
"""A field that also fills a header (the unsubscribe link) is ASCII by then."""


@hypothesis_settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_BODY_TEXT, _PLACEHOLDERS), min_size=1, max_size=12).map("".join),
       _VALUES, _ASCII_VALUES)
def test_any_body_and_any_values_parse_back_exactly(body, greeting_value, url_value):
    """Whatever the text around the placeholders and whatever the values, the parsed parts
    are the rendered body with each field filled once, and every line stays within 76."""
    fields = {**ana_fields(), "GREETING": greeting_value, "UNSUBSCRIBE_URL": url_value}
    raw = filled(issue(body, body), fields)
    text, html = parts_of(raw)
    assert text == personalize(body, fields, html=False)
    assert html == personalize(body, fields, html=True)
    assert_wire_safe(raw)


# --- the per-subscriber fields ----------------------------------------------------------------

def test_recipient_fields_are_the_address_the_ids_and_the_links_of_one_subscriber():
    fields = ana_fields("2026-11-30")
    assert set(fields) == FIELDS
    assert fields["TO"] == "=?utf-8?q?Ana_L=C3=B3pez?= <ana@mail.example>"
    assert fields["MESSAGE_ID"] == "<newsletter.2026-11-30.7@advancedphysicalmedicine.example>"
    token = unsubscribe_token(SECRET, 7)
    assert fields["UNSUBSCRIBE_URL"] == (
        f"https://advancedphysicalmedicine.example/newsletter/unsubscribe/{token}")
    assert verify(SECRET, "unsubscribe", token) == "7"
    assert verify("another secret", "unsubscribe", token) is None
    assert fields["UNSUBSCRIBE_MAILTO"] == (
        f"mailto:frontdesk@advancedphysicalmedicine.example?subject=unsubscribe%20{token}")
    assert fields["GREETING"] == "Hi Ana,"
    for name in FIELDS - {"GREETING"}:
        assert fields[name].isascii() and "\r" not in fields[name] and "\n" not in fields[name]


@pytest.mark.parametrize("name, shown", [
    ("Ana Lopez", "Ana Lopez <ana@mail.example>"),
    ('Lopez, Ana "Doc"', '"Lopez, Ana \\"Doc\\"" <ana@mail.example>'),
    ("", "ana@mail.example"),
    ("Ana\r\nBcc: victim@evil.example", '"Ana Bcc: victim@evil.example" <ana@mail.example>'),
])
def test_the_to_field_quotes_what_needs_it_and_keeps_to_one_line(name, shown):
    fields = ana_fields(recipient=Recipient(7, "ana@mail.example", name))
    assert fields["TO"] == shown
    to = parse(f"To: {fields['TO']}\r\n\r\n".encode())["To"]
    assert len(to.addresses) == 1 and to.addresses[0].addr_spec == "ana@mail.example"


def test_a_non_ascii_name_is_encoded_and_reads_back_as_typed():
    for name in ("Ana López", "山田 花子", "أحمد"):
        to = ana_fields(recipient=Recipient(7, "ana@mail.example", name))["TO"]
        assert to.isascii() and to.endswith(" <ana@mail.example>")
        assert parse(f"To: {to}\r\n\r\n".encode())["To"].addresses[0].display_name == name


def test_a_public_base_url_with_a_trailing_slash_makes_no_double_slash():
    settings = dataclasses.replace(
        SETTINGS, clinic=ClinicSettings(public_base_url="https://clinic.example/news/"))
    for fields in (recipient_fields(ANA, settings, "s", secret=SECRET),
                   sample_fields(settings, "s")):
        assert fields["UNSUBSCRIBE_URL"].startswith("https://clinic.example/news/unsubscribe/")


def test_sample_fields_are_a_sample_reader_with_a_harmless_unsubscribe_link():
    fields = sample_fields(SETTINGS, "2026-11-30")
    assert set(fields) == FIELDS
    assert fields["UNSUBSCRIBE_URL"] == (
        "https://advancedphysicalmedicine.example/newsletter/unsubscribe/sample")
    assert fields["TO"] == "Jordan Reader <jordan.reader@example.com>"
    assert fields["GREETING"] == greeting(SAMPLE_READER.name) == "Hi Jordan,"
    assert fields["MESSAGE_ID"] == message_id(SETTINGS, "2026-11-30", 0)
    token = re.search(r"unsubscribe%20(\S+)$", fields["UNSUBSCRIBE_MAILTO"]).group(1)
    assert verify(SECRET, "unsubscribe", token) is None  # not a working token of the list


def test_sample_fields_for_a_test_send_address():
    fields = sample_fields(SETTINGS, "s", Recipient(0, "staff@clinic.example", ""))
    assert fields["TO"] == "staff@clinic.example" and fields["GREETING"] == "Hello,"
    assert fields["UNSUBSCRIBE_URL"].endswith("/unsubscribe/sample")


def test_message_id_is_the_same_for_the_same_issue_and_subscriber_and_only_then():
    settings = dataclasses.replace(SETTINGS, sender=SenderSettings(address="News@Clinic.EXAMPLE"))
    assert message_id(settings, "2026-11-30", 7) == "<newsletter.2026-11-30.7@clinic.example>"
    assert message_id(settings, "2026-11-30", 7) == message_id(settings, "2026-11-30", 7)
    assert len({message_id(settings, slug, sid) for slug in ("2026-11-30", "2026-12-07")
                for sid in (7, 8)}) == 4
    assert parse(f"Message-ID: {message_id(settings, 's', 7)}\r\n\r\n".encode())[
        "Message-ID"] == "<newsletter.s.7@clinic.example>"


# --- automated messages -----------------------------------------------------------------------

def test_an_automated_message_is_marked_automatic_and_dated_by_the_caller():
    raw = automated_message(SETTINGS, "staff@clinic.example", "Feed alert",
                            text="The feed failed 3 times.\n", now=DATE, kind="alert")
    message = parse(raw)
    assert message["Auto-Submitted"] == "auto-generated"
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (SETTINGS.sender.name,
                                                       SETTINGS.sender.address)
    assert message["To"] == "staff@clinic.example"
    assert message["Subject"] == "Feed alert"
    assert message["Date"] == format_datetime(DATE)
    assert re.fullmatch(r"<[^@<>\s]+\.alert@advancedphysicalmedicine\.example>",
                        message["Message-ID"]), message["Message-ID"]
    assert message.get_content_type() == "text/plain"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_content().replace("\r\n", "\n") == "The feed failed 3 times.\n"
    assert raw.isascii() and not message.defects


def test_each_automated_message_has_its_own_message_id():
    ids = {parse(automated_message(SETTINGS, "a@mail.example", "Hi", text="x", now=DATE))[
        "Message-ID"] for _ in range(5)}
    assert len(ids) == 5
    assert all(".notice@" in mid for mid in ids)  # the default kind


def test_an_automated_message_with_html_has_both_parts_and_non_ascii_survives():
    text = "Bitte bestätigen: https://clinic.example/confirm/abc\n"
    html = "<p>Bitte <a href=\"https://clinic.example/confirm/abc\">bestätigen</a> – danke</p>\n"
    raw = automated_message(SETTINGS, "zoe@mail.example", "Bestätigen Sie Ihr Abo",
                            text=text, html=html, now=DATE, kind="confirm")
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content_type() == "text/html"
    assert rich.get_content().replace("\r\n", "\n") == html
    assert message["Subject"] == "Bestätigen Sie Ihr Abo"
    assert message["Auto-Submitted"] == "auto-generated"
    assert ".confirm@" in message["Message-ID"]
    assert raw.isascii()
    # folded by the email package's SMTP policy, at its max_line_length of 78
    lines = [line for line in raw.split(b"\r\n") if not line.startswith(b"Message-ID:")]
    assert max(len(line) for line in lines) <= 78
