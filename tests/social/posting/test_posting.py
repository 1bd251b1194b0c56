"""Posting to each network against its fake server: the text, link card or facets, the
picture with its alt text, a retried 429, a refused post with the platform's message, and
exactly once per article and platform whatever is asked again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsletter.common.errors import NotFound
from newsletter.social.posting.post import PostChanged, post_article, post_issue, snippet_for, \
    text_hash
from newsletter.storage.posts import Posts

from ...platforms import FakeBluesky, FakeFacebook, FakeMastodon
from ...posting_setup import ALT, Fakes, Waits, account_env, make_posting_clinic

PATHS = {"mastodon": "/api/v1/statuses", "bluesky": "/xrpc/com.atproto.repo.createRecord",
         "facebook": f"/{FakeFacebook.PAGE}/feed"}


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def clinic(tmp_path, fakes):
    return make_posting_clinic(tmp_path, fakes)


def fake(fakes: Fakes, platform: str):
    return getattr(fakes, platform)


def test_mastodon_gets_the_snippet_with_the_picture_and_its_description(clinic, fakes):
    article = clinic.issue.articles[0]
    _, snippet = snippet_for(clinic.settings, clinic.issue, article.id, "mastodon")
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                           clock=wall_clock)
    [status] = fakes.mastodon.posts
    assert status["text"] == snippet.text and snippet.link in status["text"]
    assert "#KneePain" in status["text"]
    [media] = status["media_attachments"]
    assert media["description"] == ALT and media["mime"] == "image/jpeg"
    assert status["language"] == "en"
    assert outcome.status == "posted" and outcome.url == status["url"]
    record = Posts(clinic.store.engine).find(article.id, "mastodon")
    assert (record.status, record.post_id, record.url) == ("posted", status["id"], status["url"])
    assert fakes.mastodon.requests_to(PATHS["mastodon"])[0].headers["idempotency-key"] == \
        record.key


def test_bluesky_gets_link_and_tag_facets_and_a_link_card_with_the_picture(clinic, fakes):
    article = clinic.issue.articles[0]
    _, snippet = snippet_for(clinic.settings, clinic.issue, article.id, "bluesky")
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "bluesky",
                           clock=wall_clock)
    [post] = fakes.bluesky.posts
    text = post["text"].encode()
    assert post["text"] == snippet.text
    clickable = {(f["features"][0]["$type"].rsplit("#", 1)[1],
                  text[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode())
                 for f in post["facets"]}
    assert clickable == {("link", snippet.link), ("tag", "#KneePain"), ("tag", "#Running")}
    card = post["embed"]["external"]
    assert post["embed"]["$type"] == "app.bsky.embed.external"
    assert (card["uri"], card["title"]) == (snippet.link, article.title)
    assert fakes.bluesky.blobs[card["thumb"]["ref"]["$link"]]["mimeType"] == "image/jpeg"
    assert outcome.url == f"https://bsky.app/profile/{FakeBluesky.DID}/post/{post['rkey']}"
    assert Posts(clinic.store.engine).find(article.id, "bluesky").key == post["rkey"]


def test_facebook_gets_the_message_and_the_link_for_its_preview(clinic, fakes):
    article = clinic.issue.articles[0]
    _, snippet = snippet_for(clinic.settings, clinic.issue, article.id, "facebook")
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "facebook",
                           clock=wall_clock)
    [post] = fakes.facebook.posts
    assert (post["message"], post["link"]) == (snippet.text, snippet.link)
    assert outcome.status == "posted" and outcome.url == f"https://www.facebook.com/{post['id']}"


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "facebook"])
def test_a_429_is_asked_again_after_the_wait_the_platform_asks_for(clinic, fakes, platform):
    body = {"mastodon": {"error": "Too many requests"},
            "bluesky": {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            "facebook": {"error": {"message": "(#4) Application request limit reached",
                                   "type": "OAuthException", "code": 4}}}[platform]
    fake(fakes, platform).fail_next(PATHS[platform], 429, body, headers={"Retry-After": "7"})
    waits = Waits()
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, platform, clock=wall_clock, sleep=waits)
    assert outcome.status == "posted"
    assert waits.seconds == [7.0]
    assert len(fake(fakes, platform).posts) == 1
    assert len(fake(fakes, platform).requests_to(PATHS[platform])) == 2


def test_a_page_rate_limit_the_graph_api_reports_in_a_400_is_asked_again(clinic, fakes):
    fakes.facebook.fail_next(PATHS["facebook"], 400, {"error": {
        "message": "(#32) Page request limit reached", "type": "OAuthException", "code": 32}},
        times=2)
    waits = Waits()
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, "facebook", clock=wall_clock,
                           sleep=waits)
    assert outcome.status == "posted" and len(fakes.facebook.posts) == 1
    assert waits.seconds == [0.01, 0.02]  # retry_wait_seconds, doubling


def test_a_platform_still_busy_after_every_attempt_leaves_the_post_to_resume(clinic, fakes):
    fakes.mastodon.fail_next(PATHS["mastodon"], 503, {"error": "Service Unavailable"}, times=4)
    article = clinic.issue.articles[0]
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                           clock=wall_clock, sleep=Waits())
    assert outcome.status == "unsure"
    assert "Mastodon answered 503: Service Unavailable (after 4 attempts)" in outcome.message
    assert Posts(clinic.store.engine).find(article.id, "mastodon").status == "posting"
    again = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                         clock=wall_clock)
    assert again.status == "posted" and len(fakes.mastodon.posts) == 1


def test_a_wait_longer_than_the_bound_is_not_waited_for(clinic, fakes):
    fakes.bluesky.fail_next(PATHS["bluesky"], 429, {"error": "RateLimitExceeded",
                                                    "message": "Rate Limit Exceeded"},
                            headers={"Retry-After": "86400"})
    waits = Waits()
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, "bluesky", clock=wall_clock, sleep=waits)
    assert outcome.status == "unsure" and "asks to wait 86400 s" in outcome.message
    assert waits.seconds == [] and fakes.bluesky.posts == []


@pytest.mark.parametrize("platform, wrong, message", [
    ("mastodon", {"NEWSLETTER_MASTODON_TOKEN": "revoked"}, "The access token is invalid"),
    ("bluesky", {"NEWSLETTER_BLUESKY_APP_PASSWORD": "wrong-password"},
     "Invalid identifier or password"),
    ("facebook", {"NEWSLETTER_FACEBOOK_PAGE_TOKEN": "expired"},
     "Invalid OAuth access token - Cannot parse access token"),
])
def test_a_refused_post_says_the_platforms_own_message_and_is_recorded_failed(
        tmp_path, fakes, platform, wrong, message):
    clinic = make_posting_clinic(tmp_path, fakes, env=account_env(fakes, **wrong))
    article = clinic.issue.articles[0]
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, platform,
                           clock=wall_clock, sleep=Waits())
    assert outcome.status == "failed"
    assert outcome.message == f"{platform.capitalize()} refused it: {message}"
    assert fake(fakes, platform).posts == []
    record = Posts(clinic.store.engine).find(article.id, platform)
    assert (record.status, record.error) == ("failed", outcome.message)

    fixed = make_posting_clinic(tmp_path, fakes)  # staff fix the variable; the same database
    again = post_article(fixed.settings, fixed.store, fixed.issue, article.id, platform,
                         clock=wall_clock)
    assert again.status == "posted" and len(fake(fakes, platform).posts) == 1


def test_a_text_mastodon_will_not_take_is_refused_in_its_words(clinic, fakes):
    fakes.mastodon.fail_next(PATHS["mastodon"], 422, {
        "error": "Validation failed: Text character limit of 500 exceeded"})
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, "mastodon", clock=wall_clock)
    assert outcome.message == ("Mastodon refused it: Validation failed: Text character limit "
                               "of 500 exceeded")


def test_every_article_goes_once_to_every_network_however_often_it_is_asked(clinic, fakes):
    first = post_issue(clinic.settings, clinic.store, clinic.issue, clock=wall_clock)
    again = post_issue(clinic.settings, clinic.store, clinic.issue, clock=wall_clock)
    assert sorted((o.platform, o.status) for o in first) == sorted(
        (platform, "posted") for platform in PATHS for _ in range(2))
    assert {o.status for o in again} == {"already"}
    for platform in PATHS:
        assert len(fake(fakes, platform).posts) == 2


def test_a_network_without_credentials_is_not_posted_to(tmp_path, fakes):
    env = account_env(fakes, NEWSLETTER_FACEBOOK_PAGE_TOKEN="")
    clinic = make_posting_clinic(tmp_path, fakes, env=env)
    outcomes = post_issue(clinic.settings, clinic.store, clinic.issue, clock=wall_clock)
    assert {o.platform for o in outcomes} == {"mastodon", "bluesky"}
    with pytest.raises(NotFound, match="NEWSLETTER_FACEBOOK_PAGE_ID and "
                                       "NEWSLETTER_FACEBOOK_PAGE_TOKEN"):
        post_article(clinic.settings, clinic.store, clinic.issue, clinic.issue.articles[0].id,
                     "facebook", clock=wall_clock)


def test_a_post_that_is_not_the_text_staff_saw_is_not_posted(clinic, fakes):
    article = clinic.issue.articles[0]
    _, snippet = snippet_for(clinic.settings, clinic.issue, article.id, "mastodon")
    with pytest.raises(PostChanged):
        post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                     clock=wall_clock, seen="an older text's hash")
    assert fakes.mastodon.posts == []
    post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                 clock=wall_clock, seen=text_hash(snippet))
    assert len(fakes.mastodon.posts) == 1


def test_a_mastodon_status_asked_again_with_its_key_comes_back_instead_of_a_second(
        clinic, fakes):
    """The lost answer: Mastodon made the status, the answer never arrived (a 502 from its
    proxy), and the request is repeated with the same Idempotency-Key."""
    article = clinic.issue.articles[0]
    post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                 clock=wall_clock)
    key = Posts(clinic.store.engine).find(article.id, "mastodon").key
    [status] = fakes.mastodon.posts
    repeated = fakes.mastodon.handle(fakes.mastodon.requests_to(PATHS["mastodon"])[0])
    assert repeated.body["id"] == status["id"] and len(fakes.mastodon.posts) == 1
    assert fakes.mastodon.idempotent[key] is status


@pytest.mark.parametrize("platform, lost", [
    ("mastodon", (502, {"error": "Bad Gateway"})),
    ("bluesky", (502, {"error": "UpstreamFailure", "message": "Upstream Failure"})),
    ("facebook", (500, {"error": {"message": "An unexpected error has occurred. Please retry "
                                             "your request later.", "type": "OAuthException",
                                  "code": 2, "is_transient": True}})),
])
def test_an_answer_lost_after_the_platform_took_the_post_makes_no_second(clinic, fakes,
                                                                          platform, lost):
    fake(fakes, platform).lose_next_answer(*lost)
    article = clinic.issue.articles[0]
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, platform,
                           clock=wall_clock, sleep=Waits())
    [post] = fake(fakes, platform).posts
    assert outcome.ok and len(fake(fakes, platform).posts) == 1
    record = Posts(clinic.store.engine).find(article.id, platform)
    assert record.status == "posted"
    assert record.post_id == post.get("id") or record.post_id.endswith(post.get("rkey", "-"))


def test_a_picture_mastodon_is_still_processing_is_waited_for(clinic, fakes):
    fakes.mastodon.processing_polls = 2
    waits = Waits()
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, "mastodon", clock=wall_clock, sleep=waits)
    assert outcome.status == "posted"
    [status] = fakes.mastodon.posts
    assert status["media_attachments"][0]["description"] == ALT
    assert len(waits.seconds) == 3  # asked three times: 206, 206, 200


def test_a_stale_unused_bluesky_key_is_replaced_before_posting(clinic, fakes):
    from newsletter.social.posting.bluesky import tid

    article = clinic.issue.articles[0]
    stale = tid((int(wall_clock().timestamp()) - 3600) * 1_000_000, 7)
    ledger = Posts(clinic.store.engine)
    ledger.intend(article_id=article.id, platform="bluesky", issue_id=clinic.issue.id,
                  text_hash="", key=stale, now=wall_clock())  # a run died before asking
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "bluesky",
                           clock=wall_clock)
    [post] = fakes.bluesky.posts
    assert outcome.status == "posted" and post["rkey"] != stale
    assert ledger.find(article.id, "bluesky").key == post["rkey"]
    get_record = fakes.bluesky.requests_to("/xrpc/com.atproto.repo.getRecord")
    assert [r.query["rkey"] for r in get_record] == [stale]  # looked for it first


def test_a_picture_that_is_not_one_is_left_out(fakes):
    from newsletter.social.posting.images import fetch_picture

    picture, note = fetch_picture(fakes.mastodon.url("/images/knee.html"), "alt", timeout=5)
    assert picture is None
    assert note == (f"{fakes.mastodon.url('/images/knee.html')} is not a JPEG, PNG, GIF or "
                    "WebP picture: posted without it")
    picture, _ = fetch_picture(fakes.mastodon.url("/images/knee.jpg"), "alt", timeout=5)
    assert picture.mime == "image/jpeg" and picture.alt == "alt"


def test_a_mastodon_token_that_cannot_read_resumes_by_the_idempotency_key(clinic, fakes):
    import httpx

    from newsletter.social.posting.network import stable_key

    article = clinic.issue.articles[0]
    _, snippet = snippet_for(clinic.settings, clinic.issue, article.id, "mastodon")
    key = stable_key(article.id, "mastodon")
    Posts(clinic.store.engine).intend(article_id=article.id, platform="mastodon",
                                      issue_id=clinic.issue.id, text_hash=text_hash(snippet),
                                      key=key, now=wall_clock())
    made = httpx.post(fakes.mastodon.url(PATHS["mastodon"]), json={"status": snippet.text},
                      headers={"Authorization": f"Bearer {FakeMastodon.TOKEN}",
                               "Idempotency-Key": key}).json()  # the run that was killed
    fakes.mastodon.read_scope = False
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "mastodon",
                           clock=wall_clock)
    assert outcome.status == "posted" and outcome.url == made["url"]
    assert len(fakes.mastodon.posts) == 1


def test_an_address_that_is_not_the_api_is_a_refusal_that_says_so(tmp_path, fakes):
    env = account_env(fakes, NEWSLETTER_MASTODON_URL=fakes.mastodon.url("/images"))
    clinic = make_posting_clinic(tmp_path, fakes, env=env)
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, "mastodon", clock=wall_clock)
    assert outcome.status == "failed"
    assert outcome.message.startswith("Mastodon answered 200 at http://127.0.0.1:")
    assert outcome.message.endswith("with something that is not its API's answer")


def test_the_wait_a_platform_asks_for_is_read_from_its_headers():
    import httpx

    from newsletter.social.posting.http import retry_after

    now = datetime(2015, 10, 21, 7, 26, 30, tzinfo=timezone.utc)
    assert retry_after(httpx.Headers({"Retry-After": "120"}), now) == 120.0
    assert retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), now) == 90.0
    assert retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:20:00 GMT"}), now) == 0.0
    assert retry_after(httpx.Headers({"Retry-After": "soon"}), now) is None
    assert retry_after(httpx.Headers({"RateLimit-Reset": "1445412480"}), now) == 90.0  # Bluesky
    assert retry_after(httpx.Headers({"X-RateLimit-Reset": "2015-10-21T07:28:00.000Z"}),
                       now) == 90.0  # Mastodon
    assert retry_after(httpx.Headers({}), now) is None


def test_a_bluesky_post_is_dated_and_keyed_by_the_clock_it_is_handed(clinic, fakes):
    """No room below the front doors reads the clock: the record's createdAt and its key's
    time are the run's clock, so a test can post at any hour."""
    from newsletter.social.posting.bluesky import tid_seconds

    then = wall_clock().replace(microsecond=0)
    outcome = post_article(clinic.settings, clinic.store, clinic.issue,
                           clinic.issue.articles[0].id, "bluesky", clock=lambda: then)
    [post] = fakes.bluesky.posts
    assert outcome.status == "posted"
    assert post["createdAt"] == then.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert tid_seconds(post["rkey"]) == then.timestamp()


def test_a_post_bluesky_refuses_is_reported_in_its_words_and_not_retried(clinic, fakes):
    """createRecord itself says no (here: a key an hour off the PDS's clock, as a machine
    whose clock is wrong would make): a 400 is final, reported as Bluesky put it."""
    article = clinic.issue.articles[0]
    an_hour_off = wall_clock() - timedelta(hours=1)
    outcome = post_article(clinic.settings, clinic.store, clinic.issue, article.id, "bluesky",
                           clock=lambda: an_hour_off)
    assert outcome.status == "failed"
    assert "must be a TID within 10 minutes of the current time" in outcome.message
    assert fakes.bluesky.posts == []
    assert len(fakes.bluesky.requests_to("/xrpc/com.atproto.repo.createRecord")) == 1
    assert Posts(clinic.store.engine).find(article.id, "bluesky").status == "failed"
