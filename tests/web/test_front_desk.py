"""The staff pages as the front desk uses them: the decision first, Send now with its
confirmation and progress, a hold with a reason, the note to readers, finding, adding,
removing and exporting patients, and what became of each issue."""

import csv
import io
import re

import pytest
from sqlalchemy import update

from newsletter.delivery.sending import send_next_issue
from newsletter.issue.approval import fingerprint
from newsletter.mail.transport import transport_for
from newsletter.storage import db

from ..web_setup import add_person, form_token, make_site

pytestmark = pytest.mark.usefixtures("each_database")


def post(site, path, **data):
    token = form_token(site.client, "/staff/subscribers")
    return site.client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)


def test_the_preview_leads_with_who_gets_it_when_and_the_decision(tmp_path):
    site = make_site(tmp_path)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.toml").write_text(
        'name = "Weekly"\naction = "send"\ncron = { day_of_week = "mon", hour = 9, minute = 0 }\n')
    for n in range(3):
        add_person(site, f"p{n}@mail.example")
    html = site.client.get("/staff/").text
    audience = re.search(r'<dd id="audience">(.*?)</dd>', html, re.S).group(1)
    assert audience.startswith("<strong>3</strong> subscribers, via the outbox")
    # the test clock says Wednesday 2026-11-25 15:00 UTC; the next Monday 09:00 in St. Charles:
    assert '<dd id="next-run">2026-11-30 09:00 CST (Weekly)</dd>' in html
    decide, frames = html.index('id="decide"'), html.index('<iframe')
    assert html.index('id="audience"') < decide < frames
    approve = re.search(r'<button[^>]*id="approve"[^>]*>', html).group(0)
    hold = re.search(r'<button[^>]*id="hold"[^>]*>', html).group(0)
    assert "secondary" not in approve and 'class="secondary"' in hold
    assert 'name="reason"' in html and "Send now to 3…" in html


def test_hold_takes_a_reason_that_everyone_then_sees(site):
    site.client.get("/staff/")
    issue = site.store.issues.open()
    post(site, "/staff/hold", issue=fingerprint(issue), name="Sam",
         reason="wait for the holiday hours")
    assert site.store.issues.open().held_reason == "wait for the holiday hours"
    assert "Held: wait for the holiday hours." in site.client.get("/staff/").text


def test_the_note_written_in_the_preview_is_in_the_email_and_stays(site):
    site.client.get("/staff/")
    issue = site.store.issues.open()
    post(site, "/staff/wording", issue=fingerprint(issue), subject="", preheader="",
         note="Closed **Thursday** for <Thanksgiving>.")
    again = site.client.get("/staff/").text  # a rebuild keeps it
    assert "Closed **Thursday** for &lt;Thanksgiving&gt;.</textarea>" in again
    stored = site.store.issues.open()
    assert "<strong" in stored.html and "&lt;Thanksgiving&gt;" in stored.html
    assert "Closed Thursday for <Thanksgiving>." in stored.text


def test_send_now_confirms_the_count_then_sends_once_each_in_the_background(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    for n in range(4):
        add_person(site, f"p{n}@mail.example")
    preview = site.client.get("/staff/").text
    seen = re.search(r'name="issue" value="([^"]+)"', preview).group(1)
    ask = site.client.get(f"/staff/send?issue={seen}")
    assert ask.status_code == 200 and "Yes, send to 4 subscribers" in ask.text
    assert smtp.messages == []  # asking sends nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', ask.text).group(1)
    started = site.client.post("/staff/send", data={"csrf_token": token, "issue": seen,
                                                    "name": "Dana"})
    assert started.status_code == 303 and started.headers["Location"].endswith("/staff/sends")
    site.app.extensions["newsletter"].sends.join(timeout=60)
    page = site.client.get("/staff/sends").text
    assert "Send of issue" in page and ": complete</h2>" in page
    assert "4 of 4 subscribers done" in page and "4 sent, 0 failed" in page
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1, 1]
    issue = site.store.issues.last_sent()
    assert (issue.status, issue.approved_by) == ("sent", "Dana")


def test_the_subscribers_page_finds_adds_removes_and_exports(site):
    add_person(site, "ana.lopez@mail.example", "Ana Lopez")
    add_person(site, "bob@mail.example", "Bob")
    found = site.client.get("/staff/subscribers?q=LOPEZ").text
    assert "1 found for “LOPEZ”" in found and "ana.lopez@mail.example" in found
    assert "bob@mail.example" not in found
    added = post(site, "/staff/subscribers/add", email=" Carla@Mail.example ", name="Carla",
                 tags="back pain; vip")
    assert "carla@mail.example is subscribed." in added.text
    carla = site.subscribers.by_email("carla@mail.example")
    assert (carla.status, carla.tags, carla.source) == ("active", ("back pain", "vip"), "staff")
    bad = post(site, "/staff/subscribers/add", email="carla@", name="")
    assert 'class="flash error"' in bad.text
    removed = post(site, "/staff/subscribers/remove", email="bob@mail.example", q="bob")
    assert "bob@mail.example is unsubscribed" in removed.text
    assert site.subscribers.by_email("bob@mail.example").status == "unsubscribed"
    again = post(site, "/staff/subscribers/add", email="bob@mail.example")
    assert "not added again" in again.text
    export = site.client.get("/staff/subscribers.csv")
    assert export.headers["Content-Disposition"].startswith('attachment; filename="subscribers-')
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {r["email"]: r["status"] for r in rows} == {
        "ana.lopez@mail.example": "active", "bob@mail.example": "unsubscribed",
        "carla@mail.example": "active"}


def test_the_sends_page_counts_sent_failed_bounced_complaints_and_unsubscribes(site):
    ids = [add_person(site, f"p{n}@mail.example") for n in range(5)]
    send_next_issue(site.settings, site.store, transport_for(site.settings), clock=site.clock)
    site.clock.advance(days=1)
    site.subscribers.set_status(ids[0], "bounced", now=site.clock())
    site.subscribers.set_status(ids[1], "complained", now=site.clock())
    site.subscribers.unsubscribe(ids[2], now=site.clock())
    with site.store.engine.begin() as conn:  # one address the server refused
        conn.execute(update(db.deliveries).where(db.deliveries.c.subscriber_id == ids[3])
                     .values(status="failed"))
    page = site.client.get("/staff/sends").text
    row = page.split('<tr class="issue"', 1)[1].split("</tr>", 1)[0]
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', row))
    assert counts == {"sent": "4", "failed": "1", "bounced": "1", "complained": "1",
                      "unsubscribed": "1"}


def test_a_run_s_note_and_outcome_are_said_in_the_clinic_s_language(tmp_path, smtp):
    """A run's note is kept as a Phrase, so a Spanish clinic's sends page says it in Spanish
    (the column still holds the English words, for whoever reads the database)."""
    smtp.faults.full.add("p1@mail.example")  # "452 mailbox full": put off for now
    site = make_site(tmp_path, smtp_port=smtp.port, extra='language = "es"\n')
    for n in range(2):
        add_person(site, f"p{n}@mail.example")
    report = send_next_issue(site.settings, site.store, transport_for(site.settings),
                             clock=site.clock)
    assert report.outcome == "incomplete" and report.deferred == 1
    page = site.client.get("/staff/sends").text
    row = page.split('<tr class="run outcome-incomplete">', 1)[1].split("</tr>", 1)[0]
    assert "<td>incompleto</td>" in row
    assert ("por ahora no se pudo llegar a 1 dirección; vuelva a ejecutar el envío para "
            "reintentarlo") in row
    with site.store.engine.connect() as conn:
        stored = conn.execute(db.send_runs.select()).one().note
    assert "could not be reached for now" in stored
