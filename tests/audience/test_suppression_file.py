"""The suppression file beside the database (issue 12): every way an address stops being
mailed appends it, and an import into a database that lost them honors it. Real SQLite
files, a real SMTP server, real processes."""

import mailbox

from newsletter.audience.subscribers import Subscribers
from newsletter.common.tokens import unsubscribe_token
from newsletter.delivery.sending import send_next_issue
from newsletter.mail.transport import SmtpTransport
from newsletter.storage.suppressions import SuppressionFile

from ..helpers import run_cli
from ..mail.test_reports import DSN, complaint_about, run_bounces, sent_messages
from ..sending_setup import SECRET, add_subscribers, make_clinic, now, numbered, open_clinic
from ..web_setup import add_person

OLD_PATIENTS = ("email,name\n"
                "ana@mail.example,Ana\n"
                "bo@mail.example,Bo\n"
                "cy@mail.example,Cy\n")


def entries(folder, database="state.db"):
    """(address, status) of each line of the file, in order."""
    lines = (folder / f"{database}.suppressed").read_text().splitlines()
    assert lines[0].startswith("# ")
    return [tuple(line.split("\t")[:2]) for line in lines[1:]]


def test_the_command_line_removal_and_an_import_after_the_database_is_lost(tmp_path):
    (tmp_path / "newsletter.toml").write_text('[store]\ndatabase_url = "sqlite:///state.db"\n')
    (tmp_path / "patients.csv").write_text(OLD_PATIENTS)
    assert run_cli("subscribers", "import", "patients.csv", cwd=tmp_path).returncode == 0
    removed = run_cli("subscribers", "remove", "bo@mail.example", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert entries(tmp_path) == [("bo@mail.example", "unsubscribed")]
    assert (tmp_path / "state.db.suppressed").stat().st_mode & 0o077 == 0
    for lost in tmp_path.glob("state.db*"):  # the database is gone; the file is kept
        if lost.name != "state.db.suppressed":
            lost.unlink()
    again = run_cli("subscribers", "import", "patients.csv", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[:2] == [
        f"patients.csv: 2 added, 0 updated, 0 unchanged, 1 suppressed (1 by the suppression "
        f"file {tmp_path / 'state.db.suppressed'}), 0 duplicate(s), 0 error(s)",
        f"  line 3: 'bo@mail.example' — suppressed (unsubscribed on {now():%Y-%m-%d})"]
    listed = run_cli("subscribers", "list", "--status", "unsubscribed", cwd=tmp_path)
    assert "bo@mail.example" in listed.stdout
    third = run_cli("subscribers", "import", "patients.csv", cwd=tmp_path)
    assert "0 added, 0 updated, 2 unchanged, 1 suppressed, " in third.stdout  # in the db again


def test_an_unsubscribe_link_and_a_one_click_post_append_to_the_file(site):
    ana, bo = add_person(site, "ana@mail.example"), add_person(site, "bo@mail.example")
    site.client.post(f"/unsubscribe/{unsubscribe_token(SECRET, ana)}",
                     data="List-Unsubscribe=One-Click",
                     content_type="application/x-www-form-urlencoded")
    path = f"/unsubscribe/{unsubscribe_token(SECRET, bo)}"
    page = site.client.get(path)
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    site.client.post(path, data={"csrf_token": token})
    site.client.post(path, data={"csrf_token": token})  # again: no second line
    assert entries(site.folder) == [("ana@mail.example", "unsubscribed"),
                                    ("bo@mail.example", "unsubscribed")]


def test_bounce_and_complaint_reports_append_to_the_file(tmp_path):
    config, store, ids, files = sent_messages(tmp_path)
    Subscribers(store.engine).add("gone.reader@mail.example", source="cli", now=now())
    box = mailbox.Maildir(tmp_path / "Bounces", create=True)
    box.add(DSN)
    box.add(complaint_about(files[2].read_bytes()))
    result = run_bounces(config, tmp_path / "Bounces")
    assert result.returncode == 0, result.stderr
    assert sorted(entries(tmp_path)) == [("gone.reader@mail.example", "bounced"),
                                         ("reader00003@mail.example", "complained")]


def test_a_hard_bounce_during_a_send_appends_to_the_file(tmp_path, smtp):
    settings, store = open_clinic(make_clinic(tmp_path, port=smtp.port))
    add_subscribers(store, numbered(3))
    smtp.faults.permanent.add("reader00002@mail.example")
    transport = SmtpTransport.from_settings(settings)
    assert send_next_issue(settings, store, transport, clock=now).outcome == "complete"
    transport.close()
    assert entries(tmp_path) == [("reader00002@mail.example", "bounced")]


def test_someone_who_comes_back_by_confirming_is_lifted_in_the_file(tmp_path):
    settings, store = open_clinic(make_clinic(tmp_path))
    subscribers = Subscribers(store.engine)
    ana = subscribers.add("ana@mail.example", source="cli", now=now())
    subscribers.unsubscribe(ana.id, now=now())
    assert subscribers.confirm(ana.id, requested_at=now(), now=now())
    assert entries(tmp_path) == [("ana@mail.example", "unsubscribed"),
                                 ("ana@mail.example", "active")]
    assert SuppressionFile.beside(store.engine).suppressed() == {}


def test_a_file_with_a_torn_last_line_or_a_note_by_hand_still_reads(tmp_path):
    path = tmp_path / "x.db.suppressed"
    path.write_text("# header\nana@mail.example\tbounced\t2026-10-03T10:00:00+00:00\n"
                    "a note someone typed\nbo@mail.exa")
    found = SuppressionFile(path).suppressed()
    assert list(found) == ["ana@mail.example"]
    assert found["ana@mail.example"].status == "bounced"


def test_after_the_database_is_lost_add_refuses_and_a_sign_up_is_decided_by_opt_in(tmp_path):
    from newsletter.audience.optin import request
    from newsletter.common.errors import SubscriberError
    from newsletter.storage import db

    first = tmp_path / "first"
    first.mkdir()
    settings, store = open_clinic(make_clinic(first))
    subscribers = Subscribers(store.engine)
    for address, status in (("bo@mail.example", "bounced"), ("cy@mail.example", "unsubscribed")):
        person = subscribers.add(address, source="cli", now=now())
        subscribers.set_status(person.id, status, now=now())
    store.engine.dispose()
    for lost in first.glob("state.db*"):
        if lost.suffix != ".suppressed":
            lost.unlink()
    fresh = Subscribers(db.connect(settings.database_url))
    assert fresh.list() == []
    try:
        fresh.add("bo@mail.example", source="cli", now=now())
    except SubscriberError as error:
        assert f"bo@mail.example bounced on {now():%Y-%m-%d}: not added again" in str(error)
    else:
        raise AssertionError("a bounced address was added again")
    assert request(fresh, "bo@mail.example", "", now=now()) is None  # no link to a bounce
    back = request(fresh, "cy@mail.example", "Cy", now=now())
    assert back is not None and back.status == "unsubscribed"  # may come back by the link
