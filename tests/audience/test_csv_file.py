"""The subscriber CSV file on its own: bytes decoded (UTF-8 only, saying where it is not),
rows read with the physical line number a person sees in an editor, bad rows and duplicates
reported beside the good ones, and the export read back as it was written."""

import pytest

from newsletter.audience.csv_file import (EXPORT_COLUMNS, Duplicate, ImportRow, RowError,
                                          decode_csv, format_subscriber_csv,
                                          parse_subscriber_csv, read_csv_file)
from newsletter.common.errors import SubscriberError

HINT = "the first line names the columns, e.g. email,name,tags"


def lines(*rows: str, end: str = "\n") -> str:
    return "".join(row + end for row in rows)


def parse(text: str):
    return parse_subscriber_csv(text, "patients.csv")


# --- rows -------------------------------------------------------------------------------------

def test_rows_are_normalized_and_numbered_by_their_line():
    parsed = parse(lines("email,name,tags",
                         "  Ana@Example.COM ,  Ana   López ,VIP; back  pain, vip",
                         "bob@example.com,Bob,",
                         "cy@example.com,,"))
    assert parsed.rows == (
        ImportRow(2, "ana@example.com", "Ana López", ("vip", "back pain")),
        ImportRow(3, "bob@example.com", "Bob", ()),
        ImportRow(4, "cy@example.com", "", ()))
    assert parsed.errors == parsed.duplicates == parsed.warnings == ()


def test_columns_are_found_by_name_in_any_order_case_and_spacing():
    parsed = parse(lines(" Tags ,NAME, Email ", "vip,Ana,ana@example.com"))
    assert parsed.rows == (ImportRow(2, "ana@example.com", "Ana", ("vip",)),)


def test_an_email_column_alone_is_enough_and_missing_cells_are_empty():
    parsed = parse(lines("email,name,tags", "ana@example.com",
                         "bob@example.com,Bob,vip,extra,cells"))
    assert parsed.rows == (ImportRow(2, "ana@example.com", "", ()),
                           ImportRow(3, "bob@example.com", "Bob", ("vip",)))
    assert parse(lines("email", "cy@example.com")).rows == (
        ImportRow(2, "cy@example.com", "", ()),)


def test_blank_lines_and_rows_of_empty_cells_are_skipped_but_still_counted():
    parsed = parse(lines("email,name", "", "ana@example.com,Ana", " , ", ",,", "",
                         "bob@example.com,Bob"))
    assert [(row.line, row.email) for row in parsed.rows] == [(3, "ana@example.com"),
                                                             (7, "bob@example.com")]
    assert parsed.errors == ()


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_numbers_hold_for_every_line_ending(end):
    parsed = parse(lines("email,name", "ana@example.com,Ana", "bad", "bob@example.com,Bob",
                         end=end))
    assert [row.line for row in parsed.rows] == [2, 4]
    assert [error.line for error in parsed.errors] == [3]


def test_a_quoted_field_spanning_lines_is_one_row_numbered_where_it_starts():
    """A note with a line break in it: the row starts on line 2, and the rows after it keep
    the line numbers an editor shows them on."""
    parsed = parse(lines("email,name,tags", 'ana@example.com,"Ana', 'López",vip',
                         "not-an-address,x", 'bob@example.com,"Bob', "", 'Ross"',
                         "ANA@example.com,Again"))
    assert parsed.rows == (ImportRow(2, "ana@example.com", "Ana López", ("vip",)),
                           ImportRow(5, "bob@example.com", "Bob Ross", ()))
    assert parsed.errors == (RowError(4, "not-an-address", "missing @"),)
    assert parsed.duplicates == (Duplicate(8, 2, "ana@example.com"),)


def test_a_bom_at_the_start_of_the_text_is_not_part_of_the_first_column():
    parsed = parse("\ufeff" + lines("email,name", "ana@example.com,Ana"))
    assert parsed.rows == (ImportRow(2, "ana@example.com", "Ana", ()),)


# --- errors and duplicates --------------------------------------------------------------------

def test_a_bad_value_is_an_error_with_its_line_and_the_rest_is_read():
    parsed = parse(lines("email,name,tags",
                         "ana@example.com,Ana,vip",
                         "no-at-sign.example.com,Bob,",
                         ",Nobody,",
                         "=HYPERLINK(\"x\")@evil.example,Eve,",
                         "dan@example.com,Dan,bad!tag",
                         "eve@example.com,Eve,"))
    assert [row.line for row in parsed.rows] == [2, 6, 7]
    assert [(e.line, e.raw) for e in parsed.errors] == [
        (3, "no-at-sign.example.com"), (4, ""), (5, '=HYPERLINK("x")@evil.example')]
    reasons = [e.reason for e in parsed.errors]
    assert reasons[0] == "missing @" and reasons[1] == "no address"
    assert "spreadsheets run as a formula" in reasons[2]
    assert parsed.rows[1].tags == ()  # a bad tag is left out, the person is not
    assert parsed.warnings[0].startswith("line 6: tag 'bad!tag' left out")


def test_broken_csv_is_an_error_on_its_own_line_and_the_next_rows_are_read():
    parsed = parse(lines("email,name", 'ana@example.com,"Ana"x', "bob@example.com,Bob"))
    assert parsed.rows == (ImportRow(3, "bob@example.com", "Bob", ()),)
    (error,) = parsed.errors
    assert (error.line, error.raw) == (2, 'ana@example.com,"Ana"x')
    assert error.reason.startswith("not valid CSV: ")


def test_a_quote_never_closed_says_which_lines_it_swallowed():
    parsed = parse(lines("email,name", "ana@example.com,Ana", 'bob@example.com,"Bob',
                         "cy@example.com,Cy", "dan@example.com,Dan"))
    assert parsed.rows == (ImportRow(2, "ana@example.com", "Ana", ()),)
    assert parsed.errors == (RowError(3, 'bob@example.com,"Bob', "a quote is never closed, "
                                      "so lines 3-5 were read as one row"),)


def test_an_unclosed_quote_on_the_last_line_alone_is_plain_invalid_csv():
    parsed = parse('email,name\nana@example.com,Ana\nbob@example.com,"Bob')
    assert parsed.errors == (RowError(3, 'bob@example.com,"Bob',
                                      "not valid CSV: unexpected end of data"),)


def test_what_an_error_shows_of_its_line_is_cut_to_200_characters():
    long_broken = "a" * 300 + '@example.com,"x"y'
    long_address = "b" * 300 + "@"
    parsed = parse(lines("email,name", long_broken, long_address))
    assert [len(e.raw) for e in parsed.errors] == [200, 200]
    assert parsed.errors[0].raw == long_broken[:200]


def test_a_repeated_address_is_a_duplicate_of_its_first_line_however_it_is_spelled():
    parsed = parse(lines("email,name", "ana@example.com,Ana", "bob@example.com,Bob",
                         " ANA@Example.com ,Ana again", "ana@example.com,Third",
                         "bob@EXAMPLE.com,"))
    assert [row.email for row in parsed.rows] == ["ana@example.com", "bob@example.com"]
    assert parsed.rows[0].name == "Ana"  # the first spelling wins
    assert parsed.duplicates == (Duplicate(4, 2, "ana@example.com"),
                                 Duplicate(5, 2, "ana@example.com"),
                                 Duplicate(6, 3, "bob@example.com"))


def test_columns_that_are_not_imported_are_named_in_a_warning():
    parsed = parse(lines("Email,Name,Phone,,Notes,status", "ana@example.com,Ana,555,,n,x"))
    assert parsed.warnings == ("ignored column(s): phone, notes, status",)
    assert parsed.rows == (ImportRow(2, "ana@example.com", "Ana", ()),)


@pytest.mark.parametrize("text, message", [
    ("", "patients.csv: the file is empty"),
    ("\ufeff", "patients.csv: the file is empty"),
    (lines("name,tags", "Ana,vip"), "patients.csv: no 'email' column in the first line "
                                    "'name,tags'"),
    (lines("", "email", "ana@example.com"), "patients.csv: no 'email' column in the first "
                                            "line ''"),
    ("e-mail,name\r\nana@example.com,Ana\r\n", "patients.csv: no 'email' column in the first "
                                               "line 'e-mail,name'"),
    ('"email\n', "patients.csv: line 1: unexpected end of data"),
])
def test_a_file_that_cannot_be_read_as_a_list_raises_with_a_hint(text, message):
    with pytest.raises(SubscriberError) as raised:
        parse(text)
    assert str(raised.value) == message
    assert raised.value.hint == HINT


def test_a_header_alone_is_an_empty_list_not_an_error():
    parsed = parse("email,name,tags\n")
    assert parsed.rows == parsed.errors == parsed.duplicates == parsed.warnings == ()


# --- decoding ---------------------------------------------------------------------------------

def test_utf8_is_decoded_with_or_without_a_bom():
    text = lines("email,name", "ana@example.com,Ana López")
    assert decode_csv(text.encode("utf-8"), "p.csv") == text
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8"), "p.csv") == text


def test_a_file_that_is_not_utf8_says_where_and_how_to_fix_it():
    data = lines("email,name", "ana@example.com,Ana", "jose@example.com,José").encode("cp1252")
    with pytest.raises(SubscriberError) as raised:
        decode_csv(data, "export.csv")
    offset = data.index(b"\xe9")
    assert str(raised.value) == (f"export.csv: not UTF-8: byte 0xe9 at byte offset {offset} "
                                 "(line 3)")
    assert raised.value.hint == "save it as UTF-8 (in Excel: Save As > CSV UTF-8)"


def test_a_utf16_file_is_refused_at_its_first_byte():
    with pytest.raises(SubscriberError, match=r"^p\.csv: not UTF-8: byte 0xff at byte offset "
                                              r"0 \(line 1\)$"):
        decode_csv("email\nana@example.com\n".encode("utf-16"), "p.csv")


def test_read_csv_file_reads_utf8_from_disk(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "email,name\r\nana@example.com,Zoë\r\n".encode())
    text = read_csv_file(path)
    assert text == "email,name\r\nana@example.com,Zoë\r\n"
    assert parse(text).rows == (ImportRow(2, "ana@example.com", "Zoë", ()),)


def test_read_csv_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(SubscriberError) as raised:
        read_csv_file(missing)
    assert str(raised.value) == f"{missing}: no such file"
    with pytest.raises(SubscriberError) as raised:
        read_csv_file(tmp_path)  # a folder
    assert str(raised.value).startswith(f"{tmp_path}: cannot read the file: ")
    latin = tmp_path / "latin.csv"
    data = "email,name\nana@example.com,Ana Núñez\n".encode("latin-1")
    latin.write_bytes(data)
    offset = data.index("ú".encode("latin-1"))
    with pytest.raises(SubscriberError) as raised:
        read_csv_file(latin)
    assert str(raised.value) == f"{latin}: not UTF-8: byte 0xfa at byte offset {offset} (line 2)"


# --- the export -------------------------------------------------------------------------------

def test_the_export_has_its_header_and_one_quoted_line_per_record():
    text = format_subscriber_csv([
        ("ana@example.com", 'Lopez, Ana "Doc"', "vip;back pain", "active",
         "2026-01-01T09:00:00+00:00", ""),
        ("bob@example.com", "", "", "unsubscribed", "2026-01-02T09:00:00+00:00",
         "2026-02-01T09:00:00+00:00"),
    ])
    assert text == (",".join(EXPORT_COLUMNS) + "\n"
                    'ana@example.com,"Lopez, Ana ""Doc""",vip;back pain,active,'
                    "2026-01-01T09:00:00+00:00,\n"
                    "bob@example.com,,,unsubscribed,2026-01-02T09:00:00+00:00,"
                    "2026-02-01T09:00:00+00:00\n")
    assert EXPORT_COLUMNS[:3] == ("email", "name", "tags")


def test_an_empty_export_is_the_header_alone():
    assert format_subscriber_csv([]) == "email,name,tags,status,created_at,unsubscribed_at\n"


def test_the_export_reads_back_as_the_same_subscribers():
    records = [("ana@example.com", 'Lopez, Ana "Doc"', "vip;back pain", "active",
                "2026-01-01T09:00:00+00:00", ""),
               ("bob@example.com", "Bob", "", "unsubscribed", "2026-01-02T09:00:00+00:00",
                "2026-02-01T09:00:00+00:00"),
               ("cy@example.com", "Cy; the «third»", "a-b;c_d;e f", "active", "x", "")]
    parsed = parse(format_subscriber_csv(records))
    assert parsed.rows == (
        ImportRow(2, "ana@example.com", 'Lopez, Ana "Doc"', ("vip", "back pain")),
        ImportRow(3, "bob@example.com", "Bob", ()),
        ImportRow(4, "cy@example.com", "Cy; the «third»", ("a-b", "c_d", "e f")))
    assert parsed.errors == parsed.duplicates == ()
    assert parsed.warnings == ("ignored column(s): status, created_at, unsubscribed_at",)
