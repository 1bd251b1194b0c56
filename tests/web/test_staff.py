"""The staff pages through Flask's test client: preview, test send, wording, approve and hold,
the password, subscribers and sends."""

import base64
import dataclasses

import pytest
from sqlalchemy import func, select

from newsletter.delivery.sending import IssueHeld, SendOptions, send_next_issue
from newsletter.issue.approval import fingerprint
from newsletter.issue.preview import images_without_alt, pin_color_scheme, preview_of
from newsletter.mail.transport import transport_for
from newsletter.social.counting import PLATFORMS
from newsletter.storage import db

from ..helpers import item, rss
from ..sending_setup import SECRET
from ..web_setup import add_person, csrf_of, form_token, make_site


def post(site, path, **data):
    token = form_token(site.client, "/staff/")
    return site.client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)


def open_issue(site):
    return site.store.issues.open()


def test_the_preview_shows_everything_staff_check(site):
    page = site.client.get("/staff/")
    assert page.status_code == 200
    issue = open_issue(site)
    html = page.text
    assert f'<dd id="subject">{issue.subject}</dd>' in html
    assert f'<dd id="preheader">{issue.preheader}</dd>' in html
    for colors in ("light", "dark"):  # all four frames at once
        assert f'id="frame-desktop-{colors}"' in html and f'id="frame-phone-{colors}"' in html
        assert f'email.html?scheme={colors}"' in html
    assert html.count('width="600"') == 2 and html.count('width="375"') == 2
    assert html.count('sandbox=""') == 4
    assert "Hi Jordan," in html  # the plain text, as the sample reader gets it
    assert "of Gmail's 102 KB clip limit: fits" in html
    assert "Not approved yet." in html
    rows = html.count('<tr class="snippet"')
    assert rows == len(issue.articles) * len(PLATFORMS)
    for snippet_count in ("/280<", "/300<", "/500<", "/63206<"):
        assert snippet_count in html


def test_the_frames_switch_to_phone_width_and_dark_mode(site):
    html = site.client.get("/staff/?scheme=dark&layout=phone").text
    assert 'id="frame-phone-dark"' in html and html.count("<iframe") == 1
    issue = open_issue(site)
    assert f'src="/staff/preview/{issue.id}/email.html?scheme=dark"' in html
    dark = site.client.get(f"/staff/preview/{issue.id}/email.html?scheme=dark")
    light = site.client.get(f"/staff/preview/{issue.id}/email.html?scheme=light")
    assert "@media all {" in dark.text and "prefers-color-scheme" not in dark.text
    assert "@media not all {" in light.text
    assert '<meta name="color-scheme" content="dark">' in dark.text
    assert "style-src 'unsafe-inline'" in dark.headers["Content-Security-Policy"]
    assert "script-src 'none'" in dark.headers["Content-Security-Policy"]
    assert site.client.get("/staff/preview/999/email.html").status_code == 404


def test_pinning_the_scheme_touches_only_the_dark_mode_query():
    html = ('<meta name="color-scheme" content="light dark"><style>@media screen and '
            '(max-width: 620px) {a{}} @media (prefers-color-scheme: dark) {b{}}</style>')
    dark = pin_color_scheme(html, "dark")
    assert dark == html.replace("@media (prefers-color-scheme: dark)", "@media all").replace(
        'content="light dark"', 'content="dark"')
    with pytest.raises(ValueError):
        pin_color_scheme(html, "sepia")


def test_images_without_alt_are_found():
    html = ('<p><img src="https://a.example/1.png" alt="A chart"><img src="https://a.example/2.png">'
            '<img src="https://a.example/3.png" alt="  "></p>')
    assert images_without_alt(html) == ["https://a.example/2.png", "https://a.example/3.png"]


def test_the_preview_warns_of_images_without_alt_and_a_clipped_email(site):
    site.client.get("/staff/")
    issue = open_issue(site)
    assert not preview_of(issue, site.settings, secret=SECRET).clipped
    extra = '<img src="https://x.example/p.png" width="1">' + "<p>padding</p>" * 8000
    bloated = dataclasses.replace(issue, html=issue.html.replace("</body>", extra + "</body>"))
    preview = preview_of(bloated, site.settings, secret=SECRET)
    assert "image without alt text: https://x.example/p.png" in preview.warnings
    assert preview.clipped and any("Gmail clips it after 102 KB" in w for w in preview.warnings)


def test_feed_warnings_and_the_flood_guard_are_shown(tmp_path):
    items = [item(n, 20 - n) for n in range(1, 4)] + [item(9, 1, month="Jan")]
    site = make_site(tmp_path, items=items, flood=2)
    html = site.client.get("/staff/").text
    assert "first run:" in html
    assert "flood guard" not in html, "never on a first run"
    site.store.issues.complete(site.store.issues.open().id, now=site.clock())
    newer = [item(n, 20 + n - 10) for n in range(10, 14)]  # 4 new at once, more than 2
    (tmp_path / "feed.xml").write_bytes(rss(newer + items))
    html = site.client.get("/staff/").text
    assert "flood guard" in html and "it is not sent until someone approves it" in html
    assert '<span class="status status-held">held</span>' in html


def test_a_test_send_goes_through_the_transport_and_touches_no_ledger(tmp_path, smtp):
    site = make_site(tmp_path, smtp_port=smtp.port)
    page = post(site, "/staff/test", address="me@clinic.example")
    assert "Sent a test copy of issue" in page.text and "me@clinic.example" in page.text
    assert smtp.count_by_recipient() == {"me@clinic.example": 1}
    assert b"/unsubscribe/sample" in smtp.messages[0].data
    with site.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.deliveries)).scalar() == 0
    assert open_issue(site).status == "draft"
    bad = post(site, "/staff/test", address="not an address")
    assert 'class="flash error"' in bad.text and "cannot send a test to" in bad.text
    assert len(smtp.messages) == 1


def test_wording_is_kept_across_rebuilds_and_withdraws_an_approval(site):
    site.client.get("/staff/")
    issue = open_issue(site)
    post(site, "/staff/approve", issue=fingerprint(issue), name="Dr. Lee")
    page = post(site, "/staff/wording", issue=fingerprint(issue), subject="Back pain: what helps",
                preheader="Three short reads from our team on back pain, concussions and more.")
    assert "The approval was withdrawn" in page.text
    again = site.client.get("/staff/")  # a rebuild from the feed keeps staff's wording
    assert '<dd id="subject">Back pain: what helps</dd>' in again.text
    reworded = open_issue(site)
    assert (reworded.id, reworded.status, reworded.approved_by) == (issue.id, "draft", None)
    assert "<title>Back pain: what helps</title>" in reworded.html


def test_emptied_wording_goes_back_to_the_derived_subject_and_preheader(site):
    site.client.get("/staff/")
    derived = open_issue(site)
    post(site, "/staff/wording", issue=fingerprint(derived), subject="Our own subject",
         preheader="Our own preheader")
    assert open_issue(site).subject == "Our own subject"
    page = post(site, "/staff/wording", issue=fingerprint(open_issue(site)), subject=" ",
                preheader="")
    assert "Saved the subject, preheader and note." in page.text
    back = open_issue(site)
    assert (back.subject, back.preheader) == (derived.subject, derived.preheader)
    site.client.get("/staff/")  # and a rebuild keeps it so
    assert open_issue(site).subject == derived.subject


def test_approval_records_who_and_when_and_a_schedule_waits_for_it(site):
    site.client.get("/staff/")
    issue = open_issue(site)
    add_person(site, "ana@mail.example")
    with pytest.raises(IssueHeld):
        send_next_issue(site.settings, site.store, transport_for(site.settings),
                        clock=site.clock, options=SendOptions(require_approval=True))
    nameless = post(site, "/staff/approve", issue=fingerprint(issue), name="  ")
    assert "say who you are" in nameless.text and open_issue(site).status == "draft"
    page = post(site, "/staff/approve", issue=fingerprint(issue), name="Dr. Lee")
    approved = open_issue(site)
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        "approved", "Dr. Lee", site.clock())
    assert "Approved by <strong>Dr. Lee</strong> on 2026-11-25 09:00 CST" in page.text
    report = send_next_issue(site.settings, site.store, transport_for(site.settings),
                             clock=site.clock, options=SendOptions(require_approval=True))
    assert (report.outcome, report.sent) == ("complete", 1)


def test_hold_records_who_held_it(site):
    site.client.get("/staff/")
    issue = open_issue(site)
    page = post(site, "/staff/hold", issue=fingerprint(issue), name="Sam")
    held = open_issue(site)
    assert (held.status, held.held_reason) == ("held", "held by Sam")
    assert "Held: held by Sam" in page.text


def test_a_decision_about_an_issue_that_changed_is_refused(site):
    site.client.get("/staff/")
    stale = fingerprint(open_issue(site))
    (site.folder / "feed.xml").write_bytes((site.folder / "feed.xml").read_bytes().replace(
        b"</channel>", b"<item><title>Brand new</title><link>https://clinic.example/blog/n"
                       b"</link><guid>post-new</guid><pubDate>22 Nov 2026 14:00:00 GMT"
                       b"</pubDate></item></channel>"))
    site.client.get("/staff/")
    page = post(site, "/staff/approve", issue=stale, name="Dr. Lee")
    assert "the issue changed since you looked at it" in page.text
    assert open_issue(site).status == "draft"


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_with_a_staff_password_the_staff_pages_ask_for_it(tmp_path):
    site = make_site(tmp_path, password="correct horse battery", exposed=True)
    for path in ("/staff/", "/staff/subscribers", "/staff/sends", "/staff/preview/1/email.html"):
        refused = site.client.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["WWW-Authenticate"].startswith("Basic ")
        assert site.client.get(path, headers=basic("sam", "wrong")).status_code == 401
    assert site.client.get("/subscribe").status_code == 200  # public pages stay public
    forged = site.new_client().post("/staff/approve", data={"name": "Mallory"})
    assert forged.status_code == 401  # sign-in comes first, before the form is even read
    auth = basic("Dr. Lee", "correct horse battery")
    page = site.client.get("/staff/", headers=auth)
    assert page.status_code == 200 and "Signed in as <strong>Dr. Lee</strong>" in page.text
    site.client.post("/staff/approve", headers=auth, data={
        "csrf_token": csrf_of(page.text), "issue": fingerprint(open_issue(site))})
    assert open_issue(site).approved_by == "Dr. Lee"


def test_subscribers_page_counts_imports_and_lists_who_left(site):
    gone = add_person(site, "gone@mail.example", "<script>alert(1)</script>")
    site.subscribers.unsubscribe(gone, now=site.clock())
    add_person(site, "dee@example.com")
    site.subscribers.remove("dee@example.com", now=site.clock())
    csv = ("email,name,tags\nana.lopez@example.com,Ana Lopez,back-pain;sports\n"
           '"bob@example.com","Smith, Bob",\ncarl@,Carl,\nAna.Lopez@example.com,Ana,\n'
           "dee@example.com,Dee,\n").encode()
    token = form_token(site.client, "/staff/subscribers")
    from io import BytesIO
    page = site.client.post("/staff/subscribers/import", data={
        "csrf_token": token, "file": (BytesIO(csv), "patients.csv")},
        content_type="multipart/form-data")
    assert page.status_code == 200
    assert ("patients.csv: 2 added, 0 updated, 0 unchanged, 1 suppressed, 1 duplicate(s), "
            "1 error(s)\n  line 4: &#39;carl@&#39; — There must be something after the @-sign\n"
            "  line 5: &#39;ana.lopez@example.com&#39; — duplicate of line 2\n"
            "  line 6: &#39;dee@example.com&#39; — suppressed (unsubscribed on 2026-11-25)"
            ) in page.text
    assert '<td data-status="active">2</td>' in page.text
    assert '<td data-status="unsubscribed">2</td>' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    latin1 = site.client.post("/staff/subscribers/import", data={
        "csrf_token": token, "file": (BytesIO("email\nzoë@example.com\n".encode("latin-1")),
                                      "old.csv")}, content_type="multipart/form-data")
    assert latin1.status_code == 400 and "old.csv: not UTF-8: byte 0xeb" in latin1.text
    refused = site.new_client().post("/staff/subscribers/import", data={
        "file": (BytesIO(csv), "patients.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 400


def test_the_sends_page_shows_the_last_runs(site):
    assert "Nothing has been sent yet" in site.client.get("/staff/sends").text
    add_person(site, "ana@mail.example")
    report = send_next_issue(site.settings, site.store, transport_for(site.settings),
                             clock=site.clock)
    page = site.client.get("/staff/sends").text
    assert f"<td>{report.slug}<br>" in page
    assert ('<td>complete</td><td class="number">1</td><td class="number">0</td>'
            '<td class="number">0</td><td class="number">0</td>') in page
