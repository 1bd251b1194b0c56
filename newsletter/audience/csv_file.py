"""The CSV file of a subscriber list, as staff export it from a spreadsheet or a practice
management system: its bytes decoded, then read into rows to import and rows that cannot be,
each with the physical line number a person sees in an editor. Pure but `read_csv_file`:
text in, records out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..common.errors import SubscriberError
from ..common.i18n import Phrase
from .addresses import InvalidValue, clean_name, normalize_address, split_tags

EXPORT_COLUMNS = ("email", "name", "tags", "status", "created_at", "unsubscribed_at")
IMPORTED_COLUMNS = ("email", "name", "tags", "first name", "last name")
ALIASES = {"email address": "email", "e-mail address": "email"}
"""Other names for a column: Mailchimp's audience export says `Email Address`, `First Name`,
`Last Name` and `TAGS`. A column named `email` itself wins over an alias."""
DELIMITERS = (",", ";", "\t")
"""What spreadsheets save as CSV: a comma, or a semicolon where the comma is the decimal
mark, or a tab. The one that finds an `email` column in the first line is used."""
_HEADER_HINT = Phrase("the first line names the columns, e.g. email,name,tags")


class ImportRow(NamedTuple):
    line: int
    email: str  # normalized
    name: str  # "" leaves a stored name as it is
    tags: tuple[str, ...]  # () leaves stored tags as they are


class RowError(NamedTuple):
    line: int
    raw: str
    reason: str


class Duplicate(NamedTuple):
    line: int
    first_line: int
    email: str


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[ImportRow, ...]
    errors: tuple[RowError, ...]
    duplicates: tuple[Duplicate, ...]
    warnings: tuple[str, ...]


def parse_subscriber_csv(text: str, source_name: str) -> ParsedFile:
    """Every row, good or bad, with its line number. A quoted field may hold a line break,
    so a row's line is where it starts. A file without an `email` column raises."""
    lines = io.StringIO(text.removeprefix("\ufeff"), newline="").readlines()
    reader = csv.reader(lines, strict=True, delimiter=_delimiter(lines[0] if lines else ""))
    try:
        header = _columns(next(reader))
    except StopIteration:
        raise SubscriberError(Phrase("%(file)s: the file is empty", file=source_name),
                              hint=_HEADER_HINT) from None
    except csv.Error as error:
        raise SubscriberError(Phrase("%(file)s: line 1: %(error)s", file=source_name,
                                     error=error), hint=_HEADER_HINT) from None
    if "email" not in header:
        raise SubscriberError(Phrase("%(file)s: no 'email' column in the first line "
                                     "%(line)r", file=source_name, line=_shown(lines[0])),
                              hint=_HEADER_HINT)
    at = {name: header.index(name) for name in IMPORTED_COLUMNS if name in header}
    ignored = [column for column in header if column and column not in at]
    warnings = (Phrase("ignored column(s): %(columns)s", columns=", ".join(ignored)),
                ) if ignored else ()
    rows, errors, duplicates, first_seen = [], [], [], {}
    end = reader.line_num
    while True:
        line = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            end = reader.line_num
            errors.append(RowError(line, _shown(lines[line - 1]), _csv_reason(error, line, end)))
            continue
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        cell = {name: cells[i] if i < len(cells) else "" for name, i in at.items()}
        try:
            email = normalize_address(cell["email"])
        except InvalidValue as error:
            errors.append(RowError(line, cell["email"][:200], error.message))
            continue
        tags, dropped = split_tags(cell.get("tags", ""))
        warnings += tuple(Phrase("line %(line)d: tag %(tag)r left out: %(reason)s",
                                 line=line, tag=tag, reason=reason) for tag, reason in dropped)
        row = ImportRow(line, email, clean_name(_name(cell)), tags)
        if row.email in first_seen:
            duplicates.append(Duplicate(line, first_seen[row.email], row.email))
            continue
        first_seen[row.email] = line
        rows.append(row)
    return ParsedFile(tuple(rows), tuple(errors), tuple(duplicates), warnings)


def _delimiter(first_line: str) -> str:
    for delimiter in DELIMITERS:
        if "email" in _columns(next(csv.reader([first_line], delimiter=delimiter), [])):
            return delimiter
    return ","


def _columns(header: list[str]) -> list[str]:
    """The header's names, lowercase and trimmed; an alias becomes its column's name unless
    that column is there too."""
    names = [column.strip().lower() for column in header]
    return [ALIASES[name] if name in ALIASES and ALIASES[name] not in names else name
            for name in names]


def _name(cell: dict[str, str]) -> str:
    """The `name` column, else first and last name together."""
    return cell.get("name", "").strip() or " ".join(
        part.strip() for part in (cell.get("first name", ""), cell.get("last name", ""))
        if part.strip())


def read_csv_file(path: Path) -> str:
    """The text of a UTF-8 file (a BOM is fine). Any other encoding is an error that says
    where: guessing an encoding silently turns names into mojibake."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SubscriberError("%(path)s: no such file", path=path) from None
    except OSError as error:
        raise SubscriberError("%(path)s: cannot read the file: %(why)s", path=path,
                              why=error.strerror) from None
    return decode_csv(data, str(path))


def decode_csv(data: bytes, source_name: str) -> str:
    """UTF-8 text (a BOM is fine) from a file's bytes, read from disk or uploaded."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SubscriberError(
            "%(file)s: not UTF-8: byte 0x%(byte)02x at byte offset %(offset)d (line %(line)d)",
            hint="save it as UTF-8 (in Excel: Save As > CSV UTF-8)", file=source_name,
            byte=data[error.start], offset=error.start, line=line) from None


def format_subscriber_csv(records: Iterable[Iterable[str]]) -> str:
    """The export: a header of EXPORT_COLUMNS, then one line a record (in that order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(records)
    return out.getvalue()


def _csv_reason(error: csv.Error, first: int, last: int) -> str:
    if "unexpected end of data" in str(error) and last > first:
        return Phrase("a quote is never closed, so lines %(first)d-%(last)d were read as one "
                      "row", first=first, last=last)
    return Phrase("not valid CSV: %(error)s", error=error)


def _shown(line: str) -> str:
    return line.rstrip("\r\n")[:200]
