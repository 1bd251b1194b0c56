"""Bounce and complaint reports: read from real report formats (RFC 3464, RFC 5965), the
complaint around a message we really sent, and applied by `newsletter bounces` to the
subscribers in a real SQLite file."""

import mailbox
import subprocess
from pathlib import Path

from newsletter.audience.subscribers import Subscribers
from newsletter.delivery.sending import send_next_issue
from newsletter.mail.reports import Complaint, HardBounce, Ignored, read_report
from newsletter.mail.transport import OutboxTransport

from ..helpers import NEWSLETTER, clean_env
from ..sending_setup import ENV, SECRET, add_subscribers, make_clinic, now, numbered, open_clinic

REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"
DSN = (REPORTS / "bounce-dsn.eml").read_bytes()


def complaint_about(original: bytes, feedback_type: str = "abuse",
                    copy_type: bytes = b"message/rfc822") -> bytes:
    """A feedback-loop report as a mailbox provider sends it, with our message inside (or
    only its headers)."""
    return b"\r\n".join([
        b"From: feedback@provider.example",
        b"To: news@clinic.example",
        b"Subject: Abuse report",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
        b"",
        b"--arf",
        b"Content-Type: text/plain",
        b"",
        b"A user of ours marked this message as spam.",
        b"--arf",
        b"Content-Type: message/feedback-report",
        b"",
        b"Feedback-Type: " + feedback_type.encode(),
        b"User-Agent: ProviderFBL/2.1",
        b"Version: 1",
        b"",
        b"--arf",
        b"Content-Type: " + copy_type,
        b"",
        original,
        b"--arf--",
        b""])


def sent_messages(tmp_path, count=3):
    config = make_clinic(tmp_path)
    settings, store = open_clinic(config)
    ids = add_subscribers(store, numbered(count))
    send_next_issue(settings, store, OutboxTransport(tmp_path / "outbox"), clock=now)
    return config, store, ids, sorted((tmp_path / "outbox").rglob("*.eml"))


def test_a_bounce_report_names_only_the_address_that_does_not_exist():
    assert read_report(DSN, secret=SECRET) == [
        HardBounce("Gone.Reader@Mail.example", "5.1.1",
                   "smtp; 550 5.1.1 <gone.reader@mail.example>: Recipient address rejected: "
                   "User unknown in virtual mailbox table"),
        Ignored("full@mail.example: 5.2.2 is not a missing address")]


def test_a_complaint_names_the_subscriber_of_the_copy_it_carries(tmp_path):
    _, _, ids, files = sent_messages(tmp_path)
    report = complaint_about(files[1].read_bytes())
    assert read_report(report, secret=SECRET) == [Complaint(ids[1], "abuse")]
    headers_only = files[0].read_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n"
    report = complaint_about(headers_only, "Fraud", copy_type=b"text/rfc822-headers")
    assert read_report(report, secret=SECRET) == [Complaint(ids[0], "fraud")]


def test_a_forged_complaint_or_other_mail_names_nobody(tmp_path):
    _, _, _, files = sent_messages(tmp_path, count=1)
    ours = files[0].read_bytes()
    assert read_report(complaint_about(ours), secret="another-secret") == [
        Ignored("a complaint without a genuine unsubscribe link of ours in its copy")]
    assert read_report(b"Subject: out of office\r\n\r\nBack Monday.", secret=SECRET) == [
        Ignored("not a delivery or feedback report")]
    assert read_report(b"Content-Type: multipart/report\r\n\r\n", secret=SECRET) == [
        Ignored("a report of type none")]


def run_bounces(config, *paths) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSLETTER, "bounces", "--config", str(config), *map(str, paths)],
                          env=clean_env(ENV), capture_output=True, text=True,
                          timeout=60)


def test_the_command_reads_a_maildir_and_an_mbox_and_suppresses_once(tmp_path):
    config, store, ids, files = sent_messages(tmp_path)
    subscribers = Subscribers(store.engine)
    gone = subscribers.add("gone.reader@mail.example", source="cli", now=now())
    box = mailbox.Maildir(tmp_path / "Bounces", create=True)
    box.add(DSN)
    box.add(b"Subject: out of office\r\n\r\nBack Monday.")
    mbox = mailbox.mbox(tmp_path / "complaints.mbox")
    mbox.add(complaint_about(files[2].read_bytes()))
    mbox.flush()
    first = run_bounces(config, tmp_path / "Bounces", tmp_path / "complaints.mbox")
    assert first.returncode == 0, first.stderr
    assert "gone.reader@mail.example does not exist (5.1.1): marked bounced" in first.stdout
    assert "complaints.mbox #1: reader00003@mail.example complained (abuse): marked " \
           "complained" in first.stdout
    assert first.stdout.splitlines()[-1] == (
        "3 message(s) read, 1 marked bounced, 1 marked complained, 0 already suppressed, "
        "0 not a subscriber, 2 ignored.")
    assert [subscribers.get(i).status for i in [*ids, gone.id]] == [
        "active", "active", "complained", "bounced"]
    again = run_bounces(config, tmp_path / "Bounces", tmp_path / "complaints.mbox")
    assert "0 marked bounced, 0 marked complained, 2 already suppressed" in again.stdout


def test_a_path_that_is_not_mail_is_one_clear_line(tmp_path):
    config, *_ = sent_messages(tmp_path, count=1)
    missing = run_bounces(config, tmp_path / "nope")
    assert (missing.returncode, missing.stderr.strip()) == (
        1, f"error: {tmp_path / 'nope'}: no such file or folder")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("not mail")
    plain = run_bounces(config, tmp_path / "folder")
    assert plain.returncode == 1 and "neither a Maildir nor a folder of .eml files" in plain.stderr
    assert "Traceback" not in missing.stderr + plain.stderr


def test_a_plain_folder_of_eml_files_is_read_file_by_file(tmp_path):
    config, store, ids, _ = sent_messages(tmp_path, count=2)
    subscribers = Subscribers(store.engine)
    gone = subscribers.add("gone.reader@mail.example", source="cli", now=now())
    folder = tmp_path / "saved from Outlook"
    folder.mkdir()
    (folder / "bounce.eml").write_bytes(DSN)
    (folder / "Out of office.EML").write_bytes(b"Subject: away\r\n\r\nBack Monday.")
    (folder / "readme.txt").write_text("not mail")
    result = run_bounces(config, folder)
    assert result.returncode == 0, result.stderr
    assert "bounce.eml: gone.reader@mail.example does not exist (5.1.1): marked bounced" \
        in result.stdout
    assert result.stdout.splitlines()[-1].startswith("2 message(s) read, 1 marked bounced")
    assert subscribers.get(gone.id).status == "bounced"
