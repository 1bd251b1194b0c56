"""Sending through a real SMTP server (aiosmtpd on a loopback port), with faults, parsed back."""

import email
import email.policy
import re

import pytest
from sqlalchemy import update

from newsletter.audience.subscribers import Subscribers
from newsletter.common.errors import NewsletterError
from newsletter.common.tokens import subscriber_of
from newsletter.delivery.sending import (IssueHeld, SendPaused, plan_send, send_next_issue,
                                         send_test)
from newsletter.issue.build import build_next_issue
from newsletter.mail.transport import OutboxTransport, SmtpTransport
from newsletter.storage import db
from newsletter.storage.lock import Lock, LockHeld
from newsletter.storage.issues import Issues
from newsletter.storage.store import Store

from .. import checklist
from ..helpers import item, rss
from ..smtpserver import SmtpServer
from ..sending_setup import (SECRET, add_subscribers, make_clinic, now, numbered, open_clinic,
                            send)

pytestmark = pytest.mark.usefixtures("each_database")


def parsed(message):
    return email.message_from_bytes(message.data, policy=email.policy.default)


def test_each_active_subscriber_gets_one_complete_message(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    ids = add_subscribers(store, [("ana@mail.example", "Ana López"), ("bo@mail.example", ""),
                                  ("cy@mail.example", "Cy")])
    add_subscribers(store, [("gone@mail.example", "")], status="unsubscribed")
    add_subscribers(store, [("bounced@mail.example", "")], status="bounced")
    report = send(settings, store)
    assert (report.outcome, report.sent, report.failed) == ("complete", 3, 0)
    assert smtp.count_by_recipient() == {"ana@mail.example": 1, "bo@mail.example": 1,
                                         "cy@mail.example": 1}
    message_ids, unsubscribe_urls = set(), set()
    for received in smtp.messages:
        raw = received.data
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert all(b < 128 for b in raw), "every byte on the wire is 7-bit"
        assert raw.count(b"\n") == raw.count(b"\r\n"), "CRLF line ends only"
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
            assert len(re.findall(rb"(?m)^" + name.encode() + rb":", head)) == 1, name
        message = parsed(received)
        assert message.get_content_type() == "multipart/alternative"
        text_part, html_part = message.iter_parts()
        assert text_part.get_content_type() == "text/plain"
        assert html_part.get_content_type() == "text/html"
        for part in (text_part, html_part):
            assert part.get_content_charset() == "utf-8"
            assert part["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert https.startswith("https://") and mailto.startswith("mailto:")
        token = https.rsplit("/", 1)[1]
        subscriber = subscriber_of(SECRET, token)
        assert subscriber in ids
        assert received.recipients == [message["To"].addresses[0].addr_spec]
        html = html_part.get_content()
        text = text_part.get_content()
        issue = store.issues.by_slug(message["Message-ID"].split(".")[1])
        expect = checklist.Expect(subject=message["Subject"], preheader=issue.preheader,
                                  unsubscribe_url=https, web_url=f"{settings.clinic.public_base_url}"
                                  f"/archive/{issue.slug}",
                                  postal_address=settings.clinic.postal_address,
                                  articles=issue.articles)
        assert checklist.problems(html, expect) == []
        assert https in text and settings.clinic.postal_address in text
        for article in issue.articles:
            assert article.title in text and article.url in text
        message_ids.add(message["Message-ID"])
        unsubscribe_urls.add(https)
    assert len(message_ids) == 3 and len(unsubscribe_urls) == 3
    assert store.issues.open() is None and store.issues.sent()[0].status == "sent"


def test_a_second_send_finds_nothing_new_and_sends_nothing(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(3))
    send(settings, store)
    assert send(settings, store).outcome == "nothing new"
    assert len(smtp.messages) == 3


def test_names_and_subjects_beyond_ascii_are_encoded_and_come_back_intact(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(
        tmp_path, port=smtp.port, items=[item(1, 20, title="Rückenschmerzen? Acupuntura 🩺 ó")]))
    add_subscribers(store, [("jose@mail.example", "José Ñúñez")])
    send(settings, store)
    raw = smtp.messages[0].data
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]
    message = parsed(smtp.messages[0])
    assert message["Subject"] == "Rückenschmerzen? Acupuntura 🩺 ó"
    assert message["To"].addresses[0].display_name == "José Ñúñez"
    assert "Hi José," in message.get_body(("plain",)).get_content()


def test_a_title_with_line_breaks_cannot_add_a_header(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(
        tmp_path, port=smtp.port,
        items=[item(1, 20, title="Hello\r\nBcc: victim@evil.example\r\nX-Injected: yes")]))
    add_subscribers(store, numbered(1))
    send(settings, store)
    message = parsed(smtp.messages[0])
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert smtp.messages[0].recipients == ["reader00001@mail.example"]


def test_4xx_is_retried_and_5xx_fails_that_address_only(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, retries=2))
    add_subscribers(store, numbered(6))
    smtp.faults.temporary["reader00002@mail.example"] = 2  # accepted on the third try
    smtp.faults.permanent.add("reader00004@mail.example")
    report = send(settings, store)
    assert report.outcome == "complete"
    assert (report.sent, report.failed, report.deferred) == (5, 1, 0)
    assert report.failures == [("reader00004@mail.example", "550 5.1.1 no such mailbox here")]
    counts = smtp.count_by_recipient()
    assert counts["reader00002@mail.example"] == 1 and "reader00004@mail.example" not in counts
    assert sum(counts.values()) == 5


def test_an_address_that_does_not_exist_is_marked_bounced_and_a_refusal_is_not(
        tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    ids = add_subscribers(store, numbered(4))
    smtp.faults.permanent.add("reader00002@mail.example")
    smtp.faults.policy.add("reader00003@mail.example")
    report = send(settings, store)
    assert (report.outcome, report.sent, report.failed) == ("complete", 2, 2)
    assert "1 address(es) do not exist and are now marked bounced" in report.note
    statuses = [Subscribers(store.engine).get(i).status for i in ids]
    assert statuses == ["active", "bounced", "active", "active"]
    (tmp_path / "feed.xml").write_bytes(rss([item(1, 20), item(2, 21), item(3, 22)]))
    send(settings, store)
    assert "reader00002@mail.example" not in smtp.count_by_recipient()
    assert smtp.count_by_recipient()["reader00001@mail.example"] == 2


def test_a_server_that_calls_every_address_nonexistent_does_not_empty_the_list(
        tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    ids = add_subscribers(store, numbered(3))
    smtp.faults.permanent.update(email for email, _ in numbered(3))
    report = send(settings, store)
    assert (report.sent, report.failed) == (0, 3)
    assert "the server took no other message, so they were not marked bounced" in report.note
    assert {Subscribers(store.engine).get(i).status for i in ids} == {"active"}


def test_an_address_still_busy_after_the_retries_is_deferred_to_the_next_run(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, retries=1))
    add_subscribers(store, numbered(4))
    smtp.faults.temporary["reader00003@mail.example"] = 2
    first = send(settings, store)
    assert (first.outcome, first.sent, first.deferred) == ("incomplete", 3, 1)
    assert store.issues.open().status == "sending"
    second = send(settings, store)
    assert (second.outcome, second.sent) == ("complete", 1)
    assert smtp.count_by_recipient() == {f"reader0000{n}@mail.example": 1 for n in range(1, 5)}


def test_a_dropped_connection_is_reopened_and_nobody_is_missed_or_doubled(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(20))
    smtp.faults.drop_on_data.update({5, 12})
    report = send(settings, store)
    assert (report.outcome, report.sent) == ("complete", 20)
    assert sorted(smtp.count_by_recipient().values()) == [1] * 20


def test_many_failures_in_a_row_pause_the_send_and_it_resumes_later(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, pause_after=3,
                                              extra="connections = 1"))
    add_subscribers(store, numbered(10))
    smtp.faults.policy.update({f"reader0000{n}@mail.example" for n in (3, 4, 5)})
    with pytest.raises(SendPaused, match="3 addresses failed in a row"):
        send(settings, store)
    assert len(smtp.messages) == 2
    smtp.faults.policy.clear()
    report = send(settings, store)
    assert (report.outcome, report.sent) == ("complete", 5)  # 6..10; 3-5 stay failed
    assert len(smtp.messages) == 7


def test_the_pause_rule_counts_failures_in_a_row_over_all_connections(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, pause_after=6,
                                              extra="connections = 4"))
    add_subscribers(store, numbered(40))
    smtp.faults.policy.update(email for email, _ in numbered(40))
    with pytest.raises(SendPaused, match="6 addresses failed in a row"):
        send(settings, store)
    with store.engine.connect() as conn:
        statuses = [row.status for row in conn.execute(db.deliveries.select())]
    # four connections counting on their own would need 24; those under way are recorded too
    assert statuses == ["failed"] * len(statuses) and 6 <= len(statuses) <= 6 + 3


@pytest.mark.parametrize("pipelining", [False, True], ids=["one by one", "pipelining"])
def test_faults_on_several_connections_each_address_keeps_its_own_outcome(tmp_path,
                                                                            pipelining):
    with SmtpServer(pipelining=pipelining) as smtp:
        settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, retries=2,
                                                  extra="connections = 4"))
        ids = add_subscribers(store, numbered(40))
        address = dict(numbered(40))
        reader = [email for email, _ in numbered(40)]
        smtp.faults.temporary[reader[2]] = 2     # accepted on the third try
        smtp.faults.temporary[reader[6]] = 9     # still busy after the retries: deferred
        smtp.faults.permanent.add(reader[10])    # 5.1.1: failed, and marked bounced
        smtp.faults.policy.add(reader[19])       # 5.7.1: failed, still subscribed
        smtp.faults.dropped.update({reader[4]: 1, reader[16]: 1})  # cut before the verdict
        smtp.faults.closing[reader[24]] = 1      # 421 to its RCPT, and the server hangs up
        report = send(settings, store)
        assert (report.sent, report.failed, report.deferred) == (37, 2, 1)
        assert sorted(report.failures) == [
            (reader[6], "451 4.3.0 mailbox busy, try again later"),
            (reader[10], "550 5.1.1 no such mailbox here"),
            (reader[19], "550 5.7.1 message refused by local policy")]
        assert smtp.count_by_recipient() == {email: 1 for email in address
                                             if email not in (reader[6], reader[10], reader[19])}
        assert smtp.handler.connections == 4 + 3  # only the three cut connections reopened
        with store.engine.connect() as conn:
            ledger = {row.subscriber_id: row.status for row in conn.execute(db.deliveries.select())}
        assert ledger == {subscriber: "failed" if n in (10, 19) else
                          "deferred" if n == 6 else "sent" for n, subscriber in enumerate(ids)}
        assert Subscribers(store.engine).get(ids[10]).status == "bounced"
        assert Subscribers(store.engine).get(ids[19]).status == "active"


def test_a_server_that_takes_fewer_connections_gets_them_and_the_send_completes(tmp_path,
                                                                                  smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, retries=1,
                                              extra="connections = 5"))
    add_subscribers(store, numbered(30))
    smtp.faults.max_connections = 2
    report = send(settings, store)
    assert (report.outcome, report.sent) == ("complete", 30)
    assert sorted(smtp.count_by_recipient().values()) == [1] * 30
    assert smtp.handler.most_open == 2


def test_a_dead_smtp_server_pauses_with_a_clear_message(tmp_path):
    from ..smtpserver import free_port

    settings, store = open_clinic(make_clinic(tmp_path, port=free_port()))
    add_subscribers(store, numbered(3))
    with pytest.raises(SendPaused, match=r"cannot reach the SMTP server 127\.0\.0\.1:\d+: "
                                         r"connection refused"):
        send(settings, store)
    assert store.issues.open().status == "sending"
    assert store.issues.sent() == []


def test_someone_who_unsubscribes_mid_send_gets_nothing_after_that(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    ids = add_subscribers(store, numbered(40))  # more than a message for each connection

    def unsubscribe_the_last_after_the_first(done, total):
        if done == 1:
            with store.engine.begin() as conn:
                conn.execute(update(db.subscribers).where(db.subscribers.c.id == ids[-1])
                             .values(status="unsubscribed"))

    report = send(settings, store, progress=unsubscribe_the_last_after_the_first)
    assert (report.sent, report.skipped, report.outcome) == (39, 1, "complete")
    assert "reader00040@mail.example" not in smtp.count_by_recipient()


def test_a_held_issue_needs_approval_and_approval_is_recorded(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port, flood=2,
                                              items=[item(1, 10)]))
    add_subscribers(store, numbered(2))
    assert send(settings, store).outcome == "complete"  # the flood guard is never for a first run
    (tmp_path / "feed.xml").write_bytes(rss([item(n, 10 + n) for n in range(1, 5)]))
    mailed = len(smtp.messages)
    with pytest.raises(IssueHeld, match="flood guard"):
        send(settings, store)
    assert len(smtp.messages) == mailed
    report = send(settings, store, approve_as="frontdesk")
    assert report.outcome == "complete"
    sent = store.issues.sent()[0]
    assert sent.approved_by == "frontdesk" and sent.approved_at is not None


def test_a_schedule_that_requires_approval_waits_for_it(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(2))
    with pytest.raises(IssueHeld, match="needs staff approval"):
        send(settings, store, require_approval=True)
    store.issues.approve(store.issues.open().id, by="dr.glenn", now=now())
    assert send(settings, store, require_approval=True).outcome == "complete"


class Meanwhile(Issues):
    """The staff preview and the approval page do not take the send lock: `meddle` runs
    once, right before the send freezes the issue it read."""

    def __init__(self, engine, meddle):
        super().__init__(engine)
        self.meddle = meddle

    def freeze(self, issue, *, now):
        meddle, self.meddle = self.meddle, lambda: None
        meddle()
        return super().freeze(issue, now=now)


def meddling(store: Store, meddle) -> Store:
    meddled = Store(store.engine)
    meddled.issues = Meanwhile(store.engine, meddle)
    return meddled


def test_an_issue_the_preview_rebuilt_as_the_send_began_goes_out_as_rebuilt(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(3))

    def preview_of_a_grown_feed():
        (tmp_path / "feed.xml").write_bytes(rss([item(1, 20), item(2, 21), item(3, 22)]))
        build_next_issue(settings, store, now=now())

    report = send(settings, meddling(store, preview_of_a_grown_feed))
    assert report.outcome == "complete"
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]
    (sent,) = store.issues.sent()
    assert [a.id for a in sent.articles] == ["post-3", "post-2", "post-1"]
    assert all("Article number 3" in parsed(m).get_body(("plain",)).get_content()
               for m in smtp.messages)
    assert store.issues.open() is None


def test_an_issue_staff_held_as_the_send_began_is_not_sent(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(3))

    def staff_hold():
        store.issues.hold(store.issues.open().id, reason="a typo in the subject", now=now())

    with pytest.raises(IssueHeld, match="a typo in the subject"):
        send(settings, meddling(store, staff_hold))
    assert smtp.messages == [] and store.issues.open().status == "held"


def test_a_send_while_another_holds_the_lock_says_who_holds_it(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(2))
    with Lock(store.engine, "send", purpose="a newsletter send", clock=now):
        with pytest.raises(LockHeld, match=r"already running \(process \d+ on "):
            send(settings, store)
    assert smtp.messages == []
    assert send(settings, store).outcome == "complete"  # released: the next one goes ahead


def test_test_copy_touches_neither_ledger_nor_issue(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(2))
    send_test(settings, store, SmtpTransport.from_settings(settings), "staff@clinic.example",
              now=now())
    assert smtp.count_by_recipient() == {"staff@clinic.example": 1}
    assert "/unsubscribe/sample" in parsed(smtp.messages[0])["List-Unsubscribe"]
    subject = parsed(smtp.messages[0])["Subject"]
    assert subject.startswith("[TEST] ") and subject[7:] == store.issues.open().subject
    assert store.issues.open().status == "draft"
    assert send(settings, store).sent == 2


def test_a_subscribers_test_copy_carries_their_own_unsubscribe_link(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    [staff_id] = add_subscribers(store, [("staff@clinic.example", "Dana")])
    send_test(settings, store, SmtpTransport.from_settings(settings), " Staff@Clinic.example ",
              now=now())
    message = parsed(smtp.messages[0])
    token = re.search(r"/unsubscribe/([^>]+)>", message["List-Unsubscribe"]).group(1)
    assert subscriber_of(SECRET, token) == staff_id
    assert "Hi Dana," in message.get_body(("plain",)).get_content()


def test_a_test_copy_to_a_bad_address_is_a_clear_error(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    with pytest.raises(NewsletterError, match="cannot send a test to 'not-an-address'"):
        send_test(settings, store, SmtpTransport.from_settings(settings), "not-an-address",
                  now=now())


def test_dry_run_shows_who_would_get_what_and_records_nothing(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(30))
    plan = plan_send(settings, store, now=now())
    assert plan.total == 30 and len(plan.first) == 20
    assert plan.first[0] == "reader00001@mail.example"
    assert smtp.messages == []
    with store.engine.connect() as conn:
        assert conn.execute(db.deliveries.select()).first() is None
    assert store.issues.open().status == "draft"


def test_no_subscribers_is_an_error_not_a_silent_send(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    with pytest.raises(NewsletterError, match="no active subscribers"):
        send(settings, store)
    assert store.issues.open().status == "draft" and store.issues.sent() == []


def test_the_outbox_writes_one_file_per_subscriber_and_a_resume_overwrites(tmp_path):
    settings, store = open_clinic(make_clinic(tmp_path))
    add_subscribers(store, numbered(3))
    outbox = OutboxTransport(tmp_path / "outbox")
    report = send_next_issue(settings, store, outbox, clock=now)
    files = sorted((tmp_path / "outbox").rglob("*.eml"))
    assert report.sent == 3 and len(files) == 3
    assert files[0] == tmp_path / "outbox" / report.slug / "reader00001@mail.example.eml"
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "reader00001@mail.example"
    outbox.send("x", "reader00001@mail.example", b"again",
                key=f"{report.slug}/reader00001@mail.example")
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 3
    assert files[0].read_bytes() == b"again"
