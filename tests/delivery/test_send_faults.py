"""Faults a hostile run found (issue 12): a mailbox that is always full, a block of dead
addresses, a sender that lost its lock, a crash mid-send. Real SMTP server, real SQLite."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from newsletter.delivery.sending import SendOptions, send_next_issue
from newsletter.mail.transport import SmtpTransport
from newsletter.storage import db

from ..sending_setup import add_subscribers, make_clinic, now, numbered, open_clinic


def send(settings, store, clock=now, **kwargs):
    transport = SmtpTransport.from_settings(settings)
    try:
        return send_next_issue(settings, store, transport, clock=clock,
                               options=SendOptions(**kwargs))
    finally:
        transport.close()


def send_runs(store):
    with store.engine.connect() as conn:
        return conn.execute(select(db.send_runs).order_by(db.send_runs.c.id)).all()


# --- a crash mid-send ---------------------------------------------------------------------

def test_an_unexpected_error_mid_send_marks_its_run_failed_with_the_reason(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(5))
    with store.engine.begin() as conn:  # a fault of the database itself, on the third row
        conn.exec_driver_sql(
            "CREATE TRIGGER failing_disk BEFORE INSERT ON deliveries "
            "WHEN (SELECT count(*) FROM deliveries) >= 2 "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O went away'); END")
    with pytest.raises(SQLAlchemyError, match="disk I/O went away"):
        send(settings, store)
    (run,) = send_runs(store)
    assert run.outcome == "failed"
    assert run.finished_at is not None and run.sent == 2
    assert "IntegrityError" in run.note and "disk I/O went away" in run.note
    assert "\n" not in run.note
