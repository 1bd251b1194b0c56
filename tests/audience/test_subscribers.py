"""Subscribers in a real SQLite file: imports with bad rows, duplicates, suppressed addresses."""

from datetime import datetime, timedelta, timezone

import pytest

from newsletter.audience.csv_file import read_csv_file
from newsletter.audience.subscribers import Subscribers
from newsletter.common.errors import SubscriberError
from newsletter.storage import db

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=3)
MUCH_LATER = NOW + timedelta(days=30)


@pytest.fixture
def subs(tmp_path) -> Subscribers:
    return Subscribers(db.connect(f"sqlite:///{tmp_path / 'newsletter.db'}"))


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def import_(subs: Subscribers, text: str, now=NOW):
    return subs.import_csv(text, source_name="patients.csv", now=now)


def test_good_rows_are_imported_and_every_bad_row_is_reported_with_its_line(subs):
    report = import_(subs, csv_text(
        "email,name,tags",
        "ana@example.com,Ana Lopez,back-pain",
        "bob@,Bob,",
        "carl.example.com,Carl,",
        ",No Address,",
        "eve@example.com,Eve,",
    ))
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    assert [(e.line, e.raw) for e in report.errors] == [
        (3, "bob@"), (4, "carl.example.com"), (5, "")]
    reasons = [e.reason for e in report.errors]
    assert "after the @-sign" in reasons[0]
    assert reasons[1:3] == ["missing @", "no address"]
    assert [s.email for s in subs.list()] == ["ana@example.com", "eve@example.com"]
    ana = subs.by_email("ana@example.com")
    assert (ana.name, ana.tags, ana.status, ana.source) == ("Ana Lopez", ("back-pain",),
                                                            "active", "import")
    assert ana.created_at == ana.updated_at == ana.confirmed_at == NOW


def test_line_numbers_are_physical_lines_after_a_quoted_line_break(subs):
    report = import_(subs, csv_text(
        "email,name",
        'ana@example.com,"Lopez,',
        'Ana"',
        "bob@,Bob",
        "",
        "carl@@example.com,Carl",
    ))
    assert report.added == 1
    assert subs.by_email("ana@example.com").name == "Lopez, Ana"
    assert [e.line for e in report.errors] == [4, 6]


def test_windows_line_endings_and_a_bom_count_the_same(subs):
    report = import_(subs, "\ufeffEMAIL,Name\r\nana@example.com,Ana\r\n\r\nbob@,Bob\r\n")
    assert report.added == 1 and [e.line for e in report.errors] == [4]
    assert report.warnings == ()


def test_broken_csv_is_reported_by_line_and_the_rest_is_read(subs):
    report = import_(subs, csv_text(
        "email,name",
        'ana@example.com,"Ana"Lopez',
        "bob@example.com,Bob",
        'carl@example.com,"Carl',
        "dee@example.com,Dee",
    ))
    assert [s.email for s in subs.list()] == ["bob@example.com"]
    assert [(e.line, e.raw) for e in report.errors] == [
        (2, 'ana@example.com,"Ana"Lopez'), (4, 'carl@example.com,"Carl')]
    assert "not valid CSV" in report.errors[0].reason
    assert "lines 4-5 were read as one row" in report.errors[1].reason


def test_duplicates_in_mixed_case_are_reported_against_the_first_line(subs):
    report = import_(subs, csv_text(
        "email,name",
        "Ana@Example.com,Ana",
        "bob@example.com,Bob",
        "ANA@EXAMPLE.COM,Ana Again",
        " ana@example.com ,Ana Thrice",
    ))
    assert report.added == 2
    assert [tuple(d) for d in report.duplicates] == [(4, 2, "ana@example.com"),
                                                     (5, 2, "ana@example.com")]
    assert subs.by_email("ANA@example.COM").name == "Ana"
    assert [p[0] for p in report.problems()] == [4, 5]


def test_importing_the_same_file_again_changes_nothing(subs):
    text = csv_text("email,name,tags", "ana@example.com,Ana,vip;back-pain",
                    "Bob@Example.com,Bob,", "bad@,x,")
    import_(subs, text)
    before = subs.list()
    report = import_(subs, text, now=LATER)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert subs.list() == before  # updated_at included
    assert all(s.updated_at == NOW for s in subs.list())


def test_a_changed_name_or_tags_update_an_active_subscriber_and_blanks_keep_them(subs):
    import_(subs, csv_text("email,name,tags", "ana@example.com,Ana,vip",
                           "bob@example.com,Bob,sports"))
    report = import_(subs, csv_text("email,name,tags", "ana@example.com,Ana Lopez,vip",
                                    "bob@example.com,,"), now=LATER)
    assert (report.updated, report.unchanged) == (1, 1)
    ana, bob = subs.list()
    assert (ana.name, ana.tags, ana.updated_at, ana.created_at) == ("Ana Lopez", ("vip",),
                                                                    LATER, NOW)
    assert (bob.name, bob.tags, bob.updated_at) == ("Bob", ("sports",), NOW)
    assert import_(subs, csv_text("email,tags", "ana@example.com,vip;new")).updated == 1
    assert subs.by_email("ana@example.com").tags == ("vip", "new")


def test_tags_in_another_order_are_the_same_tags(subs):
    import_(subs, csv_text("email,tags", "ana@example.com,a;b"))
    report = import_(subs, csv_text("email,tags", "ana@example.com,\"B, a\""), now=LATER)
    assert report.unchanged == 1


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_a_suppressed_address_is_never_reactivated_by_an_import(subs, status):
    ana = subs.add("ana@example.com", name="Ana", source="cli", now=NOW)
    subs.set_status(ana.id, status, now=LATER)
    report = import_(subs, csv_text("email,name,tags", "ANA@example.com,Ana Lopez,vip"),
                     now=MUCH_LATER)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
    assert [tuple(s) for s in report.suppressed] == [(2, "ana@example.com", status,
                                                      LATER.date())]
    assert report.problems() == [(2, "ana@example.com", f"suppressed ({status} on 2026-11-05)")]
    after = subs.get(ana.id)
    assert (after.status, after.name, after.tags, after.updated_at) == (status, "Ana", (), LATER)


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_add_refuses_a_suppressed_address_and_says_since_when_and_why(subs, status):
    ana = subs.add("ana@example.com", source="cli", now=NOW)
    subs.set_status(ana.id, status, now=LATER)
    with pytest.raises(SubscriberError) as error:
        subs.add("Ana@Example.com", name="Ana", source="cli", now=MUCH_LATER)
    assert str(error.value) == f"ana@example.com {status} on 2026-11-05: not added again"
    assert "never mailed again" in error.value.hint
    assert subs.get(ana.id).status == status


def test_remove_then_import_keeps_it_unsubscribed(subs):
    import_(subs, csv_text("email,name", "ana@example.com,Ana"))
    removed = subs.remove("ANA@example.com", now=LATER)
    assert (removed.status, removed.unsubscribed_at) == ("unsubscribed", LATER)
    report = import_(subs, csv_text("email,name", "ana@example.com,Ana"), now=MUCH_LATER)
    assert report.problems() == [(2, "ana@example.com", "suppressed (unsubscribed on 2026-11-05)")]
    assert subs.by_email("ana@example.com").status == "unsubscribed"
    assert subs.remove("ana@example.com", now=MUCH_LATER).unsubscribed_at == LATER


def test_removing_an_address_never_seen_keeps_any_import_from_adding_it(subs):
    removed = subs.remove("zed@example.com", now=NOW)
    assert (removed.status, removed.unsubscribed_at, removed.source) == ("unsubscribed", NOW,
                                                                         "cli")
    assert import_(subs, csv_text("email", "zed@example.com")).added == 0
    with pytest.raises(SubscriberError, match="not a valid|@-sign"):
        subs.remove("zed@", now=NOW)


def test_a_pending_address_becomes_active_when_staff_import_or_add_it(subs):
    ana = subs.add("ana@example.com", source="web", status="pending", now=NOW)
    bob = subs.add("bob@example.com", source="web", status="pending", now=NOW)
    assert (ana.status, ana.confirmed_at) == ("pending", None)
    report = import_(subs, csv_text("email", "ana@example.com"), now=LATER)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    assert (subs.get(ana.id).status, subs.get(ana.id).confirmed_at) == ("active", LATER)
    bob = subs.add("bob@example.com", source="cli", now=LATER)
    assert (bob.status, bob.confirmed_at, bob.source) == ("active", LATER, "web")


def test_add_creates_updates_and_leaves_alone(subs):
    ana = subs.add(" Ana@Example.com ", name="Ana\r\nBcc: x", tags=["VIP", "back pain"],
                   source="cli", now=NOW)
    assert (ana.email, ana.name, ana.tags, ana.status) == ("ana@example.com", "Ana Bcc: x",
                                                           ("vip", "back pain"), "active")
    same = subs.add("ana@example.com", source="cli", now=LATER)
    assert same == ana
    renamed = subs.add("ana@example.com", name="Ana Lopez", source="cli", now=LATER)
    assert (renamed.name, renamed.tags, renamed.updated_at) == ("Ana Lopez", ana.tags, LATER)
    assert subs.add("ana@example.com", source="web", status="pending", now=LATER).status == \
        "active"  # a signup form never downgrades a subscriber


@pytest.mark.parametrize("kwargs, message", [
    ({"email": "bob@"}, "'bob@': There must be something after the @-sign"),
    ({"email": "bob@example.com", "tags": ["a!"]}, "may only have"),
    ({"email": "bob@example.com", "status": "bounced"}, "pending or active"),
    ({"email": "bob@example.com", "source": "fax"}, "pending or active"),
])
def test_add_refuses_bad_input_with_a_clear_error(subs, kwargs, message):
    with pytest.raises(SubscriberError) as error:
        subs.add(**{"source": "cli", "now": NOW, **kwargs})
    assert message in str(error.value)
    assert subs.list() == []


def test_unsubscribe_is_idempotent_and_says_whether_it_changed_anything(subs):
    ana = subs.add("ana@example.com", source="cli", now=NOW)
    assert subs.unsubscribe(ana.id, now=LATER) is True
    assert subs.unsubscribe(ana.id, now=MUCH_LATER) is False
    after = subs.get(ana.id)
    assert (after.status, after.unsubscribed_at, after.updated_at) == ("unsubscribed", LATER,
                                                                       LATER)
    assert subs.unsubscribe(9999, now=LATER) is False


def test_set_status_records_a_bounce_and_never_reactivates(subs):
    ana = subs.add("ana@example.com", source="cli", now=NOW)
    assert subs.set_status(ana.id, "bounced", now=LATER) is True
    assert subs.set_status(ana.id, "bounced", now=MUCH_LATER) is False
    assert subs.get(ana.id).why_suppressed() == "bounced on 2026-11-05"
    with pytest.raises(SubscriberError, match="bounced on 2026-11-05: not made active again"):
        subs.set_status(ana.id, "active", now=MUCH_LATER)
    assert subs.unsubscribe(ana.id, now=MUCH_LATER) is False
    assert subs.set_status(ana.id, "complained", now=MUCH_LATER) is True
    with pytest.raises(SubscriberError, match="unknown status"):
        subs.set_status(ana.id, "gone", now=MUCH_LATER)
    with pytest.raises(SubscriberError, match="no subscriber with id 42"):
        subs.set_status(42, "bounced", now=MUCH_LATER)


def test_list_filters_by_status_and_tag_and_counts_every_status(subs):
    import_(subs, csv_text("email,tags", "ana@example.com,vip;back-pain", "bob@example.com,vip",
                           "carl@example.com,"))
    subs.remove("bob@example.com", now=LATER)
    assert [s.email for s in subs.list(tag="VIP")] == ["ana@example.com", "bob@example.com"]
    assert [s.email for s in subs.list(status="active", tag="vip")] == ["ana@example.com"]
    assert [s.email for s in subs.list(status="unsubscribed")] == ["bob@example.com"]
    assert subs.counts() == {"pending": 0, "active": 2, "unsubscribed": 1, "bounced": 0,
                             "complained": 0}
    with pytest.raises(SubscriberError, match="unknown status"):
        subs.list(status="sleeping")


def test_export_round_trips_through_import_as_a_no_op(subs):
    import_(subs, csv_text("email,name,tags", "ana@example.com,\"Lopez, Ana\",vip;back-pain",
                           "bob@example.com,Bob \"Bobby\" Smith,", "carl@xn--bcher-kva.de,Carl,"))
    subs.remove("bob@example.com", now=LATER)
    subs.set_status(subs.by_email("carl@xn--bcher-kva.de").id, "bounced", now=LATER)
    exported = subs.export_csv()
    assert exported.splitlines()[:2] == [
        "email,name,tags,status,created_at,unsubscribed_at",
        'ana@example.com,"Lopez, Ana",vip;back-pain,active,2026-11-02T15:00:00+00:00,']
    before = subs.list()
    report = import_(subs, exported, now=MUCH_LATER)
    assert (report.added, report.updated, report.unchanged, len(report.suppressed)) == (0, 0, 1, 2)
    assert report.errors == () and report.duplicates == ()
    assert report.warnings == ("ignored column(s): status, created_at, unsubscribed_at",)
    assert subs.list() == before


def test_a_large_import_and_its_reimport(subs):
    text = csv_text("email,name", *(f"person{n}@example.com,Person {n}" for n in range(1200)))
    assert import_(subs, text).added == 1200
    assert import_(subs, text, now=LATER).unchanged == 1200


def test_a_bad_tag_drops_the_tag_with_a_warning_not_the_person(subs):
    report = import_(subs, csv_text("email,name,tags",
                                    "dee@example.com,Dee,vip!;back pain"))
    assert report.added == 1 and report.errors == ()
    assert subs.by_email("dee@example.com").tags == ("back pain",)
    (warning,) = report.warnings
    assert warning.startswith("line 2: tag 'vip!' left out: ")
    assert "warning: line 2: tag 'vip!' left out" in "\n".join(report.lines("patients.csv"))


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_found_from_the_header(subs, delimiter):
    text = csv_text(delimiter.join(["email", "name", "tags"]),
                    delimiter.join(["ana@example.com", '"Lopez, Ana"', "back-pain"]))
    report = import_(subs, text)
    assert report.added == 1 and report.errors == () and report.warnings == ()
    ana = subs.by_email("ana@example.com")
    assert (ana.name, ana.tags) == ("Lopez, Ana", ("back-pain",))


def test_a_mailchimp_audience_export_maps_its_columns(subs):
    report = import_(subs, csv_text(
        "Email Address,First Name,Last Name,Address,Phone Number,MEMBER_RATING,TAGS",
        'ana@example.com,Ana,Lopez,,,2,"""Back Pain"",""VIP"""',
        "bob@example.com,Bob,,,,1,",
        "carl@example.com,,,,,1,"))
    assert (report.added, report.errors) == (3, ())
    ana = subs.by_email("ana@example.com")
    assert (ana.name, ana.tags) == ("Ana Lopez", ("back pain", "vip"))
    assert subs.by_email("bob@example.com").name == "Bob"
    assert subs.by_email("carl@example.com").name == ""
    assert report.warnings == ("ignored column(s): address, phone number, member_rating",)


def test_the_header_is_matched_loosely_and_other_columns_are_named_once(subs):
    report = import_(subs, csv_text(" E-Mail ,Phone, Email ,NAME,notes",
                                    "x,555,ana@example.com,Ana,hi"))
    assert report.added == 1 and subs.by_email("ana@example.com").name == "Ana"
    assert report.warnings == ("ignored column(s): e-mail, phone, notes",)


@pytest.mark.parametrize("text, message", [
    ("", "patients.csv: the file is empty"),
    ("\ufeff", "patients.csv: the file is empty"),
    ("name,address\nAna,ana@example.com\n",
     "patients.csv: no 'email' column in the first line 'name,address'"),
    ("ana@example.com,Ana\n",
     "patients.csv: no 'email' column in the first line 'ana@example.com,Ana'"),
])
def test_a_file_without_an_email_column_is_one_clear_error(subs, text, message):
    with pytest.raises(SubscriberError) as error:
        import_(subs, text)
    assert str(error.value) == message
    assert "email,name,tags" in error.value.hint


def test_a_file_that_is_not_utf8_names_the_file_and_the_byte(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes("email,name\nana@example.com,Ana\njose@example.com,José\n".encode("cp1252"))
    with pytest.raises(SubscriberError) as error:
        read_csv_file(path)
    assert str(error.value) == f"{path}: not UTF-8: byte 0xe9 at byte offset 51 (line 3)"
    path.write_bytes("\ufeffemail,name\njose@example.com,José\n".encode("utf-8"))
    assert read_csv_file(path) == "email,name\njose@example.com,José\n"
    with pytest.raises(SubscriberError, match="no such file"):
        read_csv_file(tmp_path / "missing.csv")
    with pytest.raises(SubscriberError, match="cannot read the file"):
        read_csv_file(tmp_path)
