"""Who gets the newsletter, and who must never get it again: named queries over the
`subscribers` table.

An address that unsubscribed, bounced or complained is *suppressed*. Nothing here that staff
run in bulk or by hand (an import, `add`) makes it active again; it stays in the table so
that a later import of an old patient list cannot bring it back, and each suppression is
also appended to the suppression file beside the database (storage/suppressions.py), which
an import honors, so that not even the loss of the database brings it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..common.errors import SubscriberError
from ..common.i18n import Phrase
from ..storage import db
from ..storage.suppressions import LIFTED, SuppressionFile
from .addresses import InvalidValue, clean_name, normalize_address, parse_tags
from .csv_file import Duplicate, ImportRow, RowError, format_subscriber_csv, parse_subscriber_csv

STATUSES = ("pending", "active", "unsubscribed", "bounced", "complained")
SUPPRESSED = frozenset({"unsubscribed", "bounced", "complained"})
SOURCES = ("import", "cli", "web", "staff")
"""How an address came: a file, the command, the subscribe form, the staff pages."""
_SUPPRESSED_HINT = Phrase("an address that unsubscribed, bounced or complained is never "
                          "mailed again; only the person can subscribe again")
_T = db.subscribers


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    name: str
    tags: tuple[str, ...]
    status: str
    source: str
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None

    @property
    def suppressed(self) -> bool:
        return self.status in SUPPRESSED

    @property
    def suppressed_since(self) -> datetime | None:
        """A suppressed row is changed only by a change of status, so for a bounce or a
        complaint `updated_at` is when it happened."""
        if not self.suppressed:
            return None
        return self.unsubscribed_at if self.status == "unsubscribed" else self.updated_at

    def may_confirm(self, requested_at: datetime) -> bool:
        """Whether a confirmation link asked for at `requested_at` subscribes this address:
        a pending one, or one that unsubscribed before asking again (a link from before
        they left does not bring them back)."""
        return self.status == "pending" or (
            self.status == "unsubscribed" and self.unsubscribed_at is not None
            and self.unsubscribed_at < requested_at)

    def why_suppressed(self) -> str:
        """`"unsubscribed on 2026-01-02"`."""
        return Phrase("%(status)s on %(day)s", status=Phrase(self.status),
                      day=f"{self.suppressed_since:%Y-%m-%d}")


class Suppressed(NamedTuple):
    line: int
    email: str
    status: str
    since: date


@dataclass(frozen=True)
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    suppressed: tuple[Suppressed, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    errors: tuple[RowError, ...] = ()
    warnings: tuple[str, ...] = ()

    suppression_file: str = ""
    """The file that suppressed rows the database did not know, and how many."""
    by_file: int = 0

    def problems(self) -> list[tuple[int, str, str]]:
        """Every row that was not imported as (line, what the file says, why), in file order."""
        return sorted([(e.line, e.raw, e.reason) for e in self.errors]
                      + [(d.line, d.email, Phrase("duplicate of line %(first)d",
                                                  first=d.first_line))
                         for d in self.duplicates]
                      + [(s.line, s.email, Phrase("suppressed (%(status)s on %(day)s)",
                                                  status=Phrase(s.status),
                                                  day=f"{s.since:%Y-%m-%d}"))
                         for s in self.suppressed])

    def lines(self, source_name: str) -> list[str]:
        """The report as the CLI prints it and the staff page shows it: a count, then every
        row that was not imported with its line number and why, then the warnings."""
        suppressed = (Phrase("%(total)d suppressed (%(by_file)d by the suppression file "
                             "%(file)s)", total=len(self.suppressed), by_file=self.by_file,
                             file=self.suppression_file) if self.by_file
                      else Phrase("%(total)d suppressed", total=len(self.suppressed)))
        return ([Phrase("%(file)s: %(added)d added, %(updated)d updated, %(unchanged)d "
                        "unchanged, %(suppressed)s, %(duplicates)d duplicate(s), "
                        "%(errors)d error(s)", file=source_name, added=self.added,
                        updated=self.updated, unchanged=self.unchanged, suppressed=suppressed,
                        duplicates=len(self.duplicates), errors=len(self.errors))]
                + [Phrase("  line %(line)d: %(raw)r — %(reason)s", line=line, raw=raw,
                          reason=reason) for line, raw, reason in self.problems()]
                + [Phrase("  warning: %(warning)s", warning=warning)
                   for warning in self.warnings])


class Subscribers:
    """The subscriber list. Every method that changes it takes `now`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.suppression_file = SuppressionFile.beside(engine)

    @classmethod
    def open(cls, url: str) -> Subscribers:
        return cls(db.connect(url))

    def get(self, subscriber_id: int) -> Subscriber | None:
        with self.engine.connect() as conn:
            return _one(conn, _T.c.id == subscriber_id)

    def by_email(self, email: str) -> Subscriber | None:
        try:
            address = normalize_address(email)
        except InvalidValue:
            return None  # no such address can be stored
        with self.engine.connect() as conn:
            return _one(conn, _T.c.email == address)

    def list(self, status: str | None = None, tag: str | None = None) -> list[Subscriber]:
        """By address. The tag is matched in Python: JSON queries differ between databases,
        and a clinic's list is small enough to read whole."""
        query = select(_T).order_by(_T.c.email)
        if status is not None:
            query = query.where(_T.c.status == _known_status(status))
        with self.engine.connect() as conn:
            found = [_subscriber(row) for row in conn.execute(query)]
        wanted = " ".join((tag or "").split()).lower()
        return [s for s in found if wanted in s.tags] if wanted else found

    def search(self, text: str, limit: int = 100) -> list[Subscriber]:
        """Subscribers whose address or name holds `text` (any case), by address: what the
        front desk types to find one patient."""
        words = " ".join(text.split()).lower()
        if not words:
            return []
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (select(_T).where(or_(func.lower(_T.c.email).like(pattern, escape="\\"),
                                      func.lower(_T.c.name).like(pattern, escape="\\")))
                 .order_by(_T.c.email).limit(limit))
        with self.engine.connect() as conn:
            return [_subscriber(row) for row in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_T.c.status, func.count()).group_by(_T.c.status))
            return {status: 0 for status in STATUSES} | {status: n for status, n in rows}

    def export_csv(self) -> str:
        """Everyone, suppressed included: the file is also the record of who said no."""
        return format_subscriber_csv(
            (s.email, s.name, ";".join(s.tags), s.status, _iso(s.created_at),
             _iso(s.unsubscribed_at)) for s in self.list())

    def add(self, email: str, *, name: str = "", tags: Iterable[str] = (), source: str,
            now: datetime, status: str = "active") -> Subscriber:
        """Add or update one subscriber. An empty name or no tags leave the stored ones;
        a pending address added as active becomes active (whoever adds it vouches for it).
        A suppressed address is refused with the reason, one the database forgot but the
        suppression file lists too; a sign-up (pending) gets it back as it was, for opt-in
        to decide (one who unsubscribed may come back)."""
        if status not in ("pending", "active") or source not in SOURCES:
            raise SubscriberError(f"a subscriber is added as pending or active from "
                                  f"{'/'.join(SOURCES)}, not {status!r} from {source!r}")
        row = _checked(email, name, tags)
        with self._transaction() as conn:
            found = _one(conn, _T.c.email == row.email)
            if found is None and (entry := self._on_file().get(row.email)):
                conn.execute(insert(_T), [_restored(row, entry.status, entry.at, now)])
                found = _one(conn, _T.c.email == row.email)
                if status == "pending":
                    return found
            if found is None:
                conn.execute(insert(_T), [_new(row, status, source, now)])
            elif found.suppressed:
                raise SubscriberError("%(email)s %(why)s: not added again",
                                      hint=_SUPPRESSED_HINT, email=found.email,
                                      why=found.why_suppressed())
            else:
                _apply_changes(conn, found, row, status, now)
            return _one(conn, _T.c.email == row.email)

    def import_csv(self, text: str, *, source_name: str, now: datetime) -> ImportReport:
        """Import the good rows of a CSV file in one transaction and report every other row.
        Importing the same file twice changes nothing the second time."""
        parsed = parse_subscriber_csv(text, source_name)
        counts = {"updated": 0, "unchanged": 0}
        suppressed = []
        on_file = self._on_file()
        by_file = 0
        with self._transaction() as conn:
            existing = _by_emails(conn, [row.email for row in parsed.rows])
            new = []
            for row in parsed.rows:
                found = existing.get(row.email)
                if found is None and row.email in on_file:  # the database forgot them
                    entry = on_file[row.email]
                    new.append(_restored(row, entry.status, entry.at, now))
                    suppressed.append(Suppressed(row.line, row.email, entry.status,
                                                 entry.at.date()))
                    by_file += 1
                elif found is None:
                    new.append(_new(row, "active", "import", now))
                elif found.suppressed:
                    suppressed.append(Suppressed(row.line, row.email, found.status,
                                                 found.suppressed_since.date()))
                else:
                    changed = _apply_changes(conn, found, row, "active", now)
                    counts["updated" if changed else "unchanged"] += 1
            if new:
                conn.execute(insert(_T), new)
        return ImportReport(added=len(new) - by_file, **counts, suppressed=tuple(suppressed),
                            duplicates=parsed.duplicates, errors=parsed.errors,
                            warnings=parsed.warnings, by_file=by_file,
                            suppression_file=str(self.suppression_file.path or ""))

    def _on_file(self) -> dict:
        """Who the suppression file says must not be mailed, by address."""
        return {email: entry for email, entry in self.suppression_file.suppressed().items()
                if entry.status in SUPPRESSED}

    def remove(self, email: str, *, now: datetime, source: str = "cli") -> Subscriber:
        """Stop mailing an address for good. One we never had is recorded as unsubscribed
        all the same, so that no later import can add it."""
        if source not in SOURCES:
            raise SubscriberError(f"unknown source {source!r}")
        row = _checked(email)
        with self._transaction() as conn:
            if _one(conn, _T.c.email == row.email) is None:
                conn.execute(insert(_T), [_new(row, "unsubscribed", source, now)])
                self.suppression_file.append(row.email, "unsubscribed", now)
            elif _unsubscribe(conn, _T.c.email == row.email, now):
                self.suppression_file.append(row.email, "unsubscribed", now)
            return _one(conn, _T.c.email == row.email)

    def unsubscribe(self, subscriber_id: int, *, now: datetime) -> bool:
        """Idempotent, for the unsubscribe link: whether this call changed anything.
        An unknown id or an already suppressed subscriber is left as it is."""
        with self.engine.begin() as conn:
            changed = _unsubscribe(conn, _T.c.id == subscriber_id, now)
            if changed:
                self.suppression_file.append(_one(conn, _T.c.id == subscriber_id).email,
                                             "unsubscribed", now)
            return changed

    def confirm(self, subscriber_id: int, *, requested_at: datetime, now: datetime) -> bool:
        """Double opt-in: the person followed a link asked for at `requested_at` (see
        `Subscriber.may_confirm`). Whether this call changed anything."""
        with self.engine.begin() as conn:
            found = _one(conn, _T.c.id == subscriber_id)
            if found is None or not found.may_confirm(requested_at):
                return False
            result = conn.execute(update(_T).where(_T.c.id == subscriber_id,
                                                   _T.c.status == found.status)
                                  .values(status="active", confirmed_at=now,
                                          unsubscribed_at=None, updated_at=now))
        if result.rowcount and found.email in self.suppression_file.suppressed():
            self.suppression_file.append(found.email, LIFTED, now)  # they asked to come back
        return result.rowcount > 0

    def set_status(self, subscriber_id: int, status: str, *, now: datetime) -> bool:
        """Record a bounce or a complaint (or any other move); whether anything changed.
        A suppressed subscriber is never made pending or active again from here, and a
        bounce leaves one as it is (who unsubscribed or complained said more)."""
        status = _known_status(status)
        with self.engine.begin() as conn:
            found = _one(conn, _T.c.id == subscriber_id)
            if found is None:
                raise SubscriberError(f"no subscriber with id {subscriber_id}")
            if found.status == status or (status == "bounced" and found.suppressed):
                return False
            if found.suppressed and status not in SUPPRESSED:
                raise SubscriberError("%(email)s %(why)s: not made %(status)s again",
                                      hint=_SUPPRESSED_HINT, email=found.email,
                                      why=found.why_suppressed(), status=Phrase(status))
            values = {"status": status, "updated_at": now}
            if status == "unsubscribed":
                values["unsubscribed_at"] = now
            if status == "active" and found.confirmed_at is None:
                values["confirmed_at"] = now
            conn.execute(update(_T).where(_T.c.id == subscriber_id).values(**values))
            if status in SUPPRESSED:
                self.suppression_file.append(found.email, status, now)
            return True

    @contextmanager
    def _transaction(self) -> Iterator:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (IntegrityError, OperationalError) as error:  # a race with another process
            raise SubscriberError("the subscribers could not be saved, nothing was changed: "
                                  "%(why)s", hint="run it again", why=error.orig) from None


def _checked(email: str, name: str = "", tags: Iterable[str] = ()) -> ImportRow:
    """What a caller passed, normalized, or one error that says what is wrong with it."""
    tags = [tags] if isinstance(tags, str) else tags
    try:
        return ImportRow(0, normalize_address(email), clean_name(name),
                         parse_tags(",".join(tags)))
    except InvalidValue as error:
        raise SubscriberError("%(email)r: %(why)s", email=email, why=error.message) from None


def _known_status(status: str) -> str:
    if status not in STATUSES:
        raise SubscriberError(f"unknown status {status!r}", hint=f"one of {', '.join(STATUSES)}")
    return status


def _apply_changes(conn, found: Subscriber, row: ImportRow, status: str, now: datetime) -> bool:
    """Update only what differs, so an unchanged row keeps its `updated_at`."""
    values = {}
    if row.name and row.name != found.name:
        values["name"] = row.name
    if row.tags and set(row.tags) != set(found.tags):
        values["tags"] = list(row.tags)
    if status == "active" and found.status == "pending":
        values.update(status="active", confirmed_at=now)
    if values:
        conn.execute(update(_T).where(_T.c.id == found.id).values(**values, updated_at=now))
    return bool(values)


def _unsubscribe(conn, condition, now: datetime) -> bool:
    result = conn.execute(update(_T).where(condition, _T.c.status.in_(("pending", "active")))
                          .values(status="unsubscribed", unsubscribed_at=now, updated_at=now))
    return result.rowcount > 0


def _new(row: ImportRow, status: str, source: str, now: datetime) -> dict:
    return {"email": row.email, "name": row.name, "tags": list(row.tags), "status": status,
            "source": source, "created_at": now, "updated_at": now,
            "confirmed_at": now if status == "active" else None,
            "unsubscribed_at": now if status == "unsubscribed" else None}


def _restored(row: ImportRow, status: str, since: datetime, now: datetime) -> dict:
    """An address the suppression file knows and the database does not: back in the table
    as it was, so the database remembers it again."""
    return {**_new(row, status, "import", now), "updated_at": since,
            "unsubscribed_at": since if status == "unsubscribed" else None}


def _by_emails(conn, emails: list[str]) -> dict[str, Subscriber]:
    found = {}
    for start in range(0, len(emails), 500):  # well under any database's parameter limit
        query = select(_T).where(_T.c.email.in_(emails[start:start + 500]))
        found.update((s.email, s) for s in map(_subscriber, conn.execute(query)))
    return found


def _one(conn, condition) -> Subscriber | None:
    row = conn.execute(select(_T).where(condition)).first()
    return _subscriber(row) if row else None


def _subscriber(row) -> Subscriber:
    values = dict(row._mapping)
    return Subscriber(**{**values, "tags": tuple(values["tags"])})


def _iso(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when else ""
