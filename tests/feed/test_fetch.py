"""fetch against a real HTTP server on 127.0.0.1: what goes over the wire is asserted, not mocked."""

import dataclasses
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.common.errors import FeedError
from newsletter.feed.fetch import FeedGone
from newsletter.feed.fetch import FetchResult, fetch

from ..httpserver import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Clinic</title></channel></rss>'


def test_200_returns_body_and_validators(feed_server):
    feed_server.route("/feed.xml", body=RSS, headers={
        "ETag": '"v1"', "Last-Modified": "Wed, 26 Nov 2025 10:00:00 GMT"})
    result = fetch(feed_server.url("/feed.xml"))
    assert result.body == RSS
    assert not result.not_modified
    assert result.url == feed_server.url("/feed.xml")
    assert result.moved_to is None
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 26 Nov 2025 10:00:00 GMT"


def test_first_request_is_unconditional_and_identifies_itself(feed_server):
    feed_server.route("/feed.xml", body=RSS)
    fetch(feed_server.url("/feed.xml"), user_agent="clinic-newsletter/0.1 (+https://example.org)")
    sent = feed_server.requests[0].headers
    assert sent["User-Agent"] == "clinic-newsletter/0.1 (+https://example.org)"
    assert "rss+xml" in sent["Accept"]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


def test_conditional_get_sends_validators_and_304_means_not_modified(feed_server):
    stamp = "Wed, 26 Nov 2025 10:00:00 GMT"
    feed_server.route("/feed.xml", body=RSS, headers={"ETag": '"v1"', "Last-Modified": stamp})
    first = fetch(feed_server.url("/feed.xml"))

    feed_server.route("/feed.xml", status=304, headers={"ETag": '"v1"'})
    second = fetch(feed_server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)

    sent = feed_server.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == stamp
    assert second.not_modified and second.body is None
    assert second.etag == '"v1"'
    assert second.last_modified == stamp  # not resent by the server: the given one is kept


def test_304_keeps_given_validators_and_takes_new_ones(feed_server):
    feed_server.route("/feed.xml", status=304)
    kept = fetch(feed_server.url("/feed.xml"), etag='"old"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert (kept.etag, kept.last_modified) == ('"old"', "Mon, 01 Jan 2024 00:00:00 GMT")

    feed_server.route("/feed.xml", status=304, headers={"ETag": '"new"'})
    assert fetch(feed_server.url("/feed.xml"), etag='"old"').etag == '"new"'


def test_200_without_validators_forgets_the_old_ones(feed_server):
    feed_server.route("/feed.xml", body=RSS)
    result = fetch(feed_server.url("/feed.xml"), etag='"old"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert result.body == RSS
    assert result.etag is None and result.last_modified is None


def test_gzip_response_is_decoded(feed_server):
    body = RSS * 200
    feed_server.route("/feed.xml", body=body, gzip=True)
    result = fetch(feed_server.url("/feed.xml"))
    exchange = feed_server.requests[0]
    assert "gzip" in exchange.headers["Accept-Encoding"]
    assert exchange.sent_headers["Content-Encoding"] == "gzip"
    assert len(exchange.sent_body) < len(body) // 10  # it really went over the wire compressed
    assert result.body == body


def test_content_type_is_passed_through(feed_server):
    feed_server.route("/feed.xml", body="<rss>café</rss>".encode("iso-8859-1"),
                      headers={"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    result = fetch(feed_server.url("/feed.xml"))
    assert result.content_type == "application/rss+xml; charset=iso-8859-1"
    assert result.body == "<rss>café</rss>".encode("iso-8859-1")  # bytes untouched


@pytest.mark.parametrize("hops, permanent", [
    ([301], True),
    ([308], True),
    ([301, 301, 308], True),
    ([302], False),
    ([307], False),
    ([301, 307], False),
    ([307, 301], False),
])
def test_moved_to_only_when_every_redirect_is_permanent(feed_server, hops, permanent):
    paths = [f"/hop{i}" for i in range(len(hops))] + ["/final.xml"]
    for path, status, target in zip(paths, hops, paths[1:]):
        feed_server.redirect(path, target, status)
    feed_server.route("/final.xml", body=RSS)
    result = fetch(feed_server.url("/hop0"))
    assert result.body == RSS
    assert result.url == feed_server.url("/final.xml")
    assert result.moved_to == (feed_server.url("/final.xml") if permanent else None)


def test_permanent_redirect_then_304_still_reports_the_move(feed_server):
    feed_server.redirect("/old.xml", "/new.xml", 301)
    feed_server.route("/new.xml", status=304)
    result = fetch(feed_server.url("/old.xml"), etag='"v1"')
    assert result.not_modified
    assert result.moved_to == feed_server.url("/new.xml")
    assert feed_server.requests_to("/new.xml")[0].headers["If-None-Match"] == '"v1"'


def test_redirect_loop_is_a_feed_error(feed_server):
    feed_server.redirect("/a", "/b", 302)
    feed_server.redirect("/b", "/a", 302)
    with pytest.raises(FeedError, match="too many redirects") as caught:
        fetch(feed_server.url("/a"))
    assert feed_server.url("/a") in str(caught.value)
    assert caught.value.hint
    assert len(feed_server.requests) <= 7  # gave up after about five hops


def test_410_gone_retires_the_feed(feed_server):
    feed_server.route("/feed.xml", status=410)
    with pytest.raises(FeedGone) as caught:
        fetch(feed_server.url("/feed.xml"))
    assert str(caught.value) == f"{feed_server.url('/feed.xml')}: the server says the feed is gone (410)"
    assert "new feed address" in caught.value.hint


def test_410_after_a_redirect_names_both_addresses(feed_server):
    feed_server.redirect("/old.xml", "/new.xml", 301)
    feed_server.route("/new.xml", status=410)
    with pytest.raises(FeedGone) as caught:
        fetch(feed_server.url("/old.xml"))
    assert feed_server.url("/old.xml") in str(caught.value)
    assert feed_server.url("/new.xml") in str(caught.value)


@pytest.mark.parametrize("status, reason", [(404, "Not Found"), (403, "Forbidden"),
                                            (500, "Internal Server Error"), (503, "Service Unavailable")])
def test_http_error_status_names_url_status_and_reason(feed_server, status, reason):
    feed_server.route("/feed.xml", status=status, body=b"<html>oops</html>")
    with pytest.raises(FeedError) as caught:
        fetch(feed_server.url("/feed.xml"))
    assert not isinstance(caught.value, FeedGone)
    message = str(caught.value)
    assert feed_server.url("/feed.xml") in message
    assert f"{status} {reason}" in message
    assert caught.value.hint


def test_redirect_without_location_is_an_error_not_a_body(feed_server):
    feed_server.route("/feed.xml", status=300, body=b"choose")
    with pytest.raises(FeedError, match="300"):
        fetch(feed_server.url("/feed.xml"))


def test_connection_refused_is_a_feed_error():
    with socket.socket() as sock:  # a port that was just free, and nothing listens on now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"
    with pytest.raises(FeedError) as caught:
        fetch(url)
    assert str(caught.value) == f"{url}: connection refused"
    assert caught.value.hint


def test_unknown_host_is_a_feed_error():
    # .invalid never resolves (RFC 6761); offline machines fail the lookup too.
    with pytest.raises(FeedError, match="host name could not be found") as caught:
        fetch("http://clinic-feed.invalid/feed.xml", timeout=5)
    assert "http://clinic-feed.invalid/feed.xml" in str(caught.value)


def test_tls_failure_is_a_feed_error(feed_server):
    https_url = feed_server.url("/feed.xml").replace("http://", "https://")  # it only speaks plain HTTP
    with pytest.raises(FeedError, match="TLS") as caught:
        fetch(https_url, timeout=5)
    assert https_url in str(caught.value)


def test_slow_server_times_out(feed_server):
    feed_server.route("/feed.xml", body=RSS, delay=5)
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"timed out after 0\.5 s") as caught:
        fetch(feed_server.url("/feed.xml"), timeout=0.5)
    assert time.monotonic() - started < 4  # well before the server would have answered
    assert feed_server.url("/feed.xml") in str(caught.value)


def test_slow_drip_is_bounded_by_the_whole_timeout(feed_server):
    # Each piece arrives within the read timeout, but the whole body would take 16 × 0.2 s.
    feed_server.route("/feed.xml", body=RSS * 10, drip=0.2)
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"timed out after 0\.5 s"):
        fetch(feed_server.url("/feed.xml"), timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_body_over_max_bytes_is_refused(feed_server):
    feed_server.route("/big.xml", body=b"x" * 2000)
    with pytest.raises(FeedError, match="limit of 1,000 bytes") as caught:
        fetch(feed_server.url("/big.xml"), max_bytes=1000)
    assert feed_server.url("/big.xml") in str(caught.value)
    assert fetch(feed_server.url("/big.xml"), max_bytes=2000).body == b"x" * 2000  # the limit is inclusive


def test_gzip_bomb_is_counted_at_its_decoded_size(feed_server):
    feed_server.route("/bomb.xml", body=b"\0" * 5_000_000, gzip=True)
    with pytest.raises(FeedError, match="limit of 100,000 bytes"):
        fetch(feed_server.url("/bomb.xml"), max_bytes=100_000)
    assert len(feed_server.requests[0].sent_body) < 100_000  # small on the wire, huge decoded


@pytest.mark.parametrize("source, words", [
    ("ftp://example.org/feed.xml", "ftp"),
    ("mailto:staff@example.org", "mailto"),
    ("http://", "not a usable"),
])
def test_unusable_addresses_are_feed_errors(source, words):
    with pytest.raises(FeedError, match=words) as caught:
        fetch(source)
    assert source in str(caught.value)


def test_redirect_to_another_scheme_is_a_feed_error(feed_server):
    feed_server.redirect("/feed.xml", "ftp://example.org/feed.xml", 301)
    with pytest.raises(FeedError, match="not a usable"):
        fetch(feed_server.url("/feed.xml"))


def test_local_file_path(tmp_path, monkeypatch):
    (tmp_path / "feed.xml").write_bytes(RSS)
    monkeypatch.chdir(tmp_path)
    result = fetch("feed.xml")
    assert result == FetchResult(RSS, str(tmp_path / "feed.xml"), None, None, None, None)
    assert fetch(str(tmp_path / "feed.xml")).body == RSS


def test_file_url(tmp_path):
    path = tmp_path / "my feed.xml"
    path.write_bytes(RSS)
    result = fetch(path.as_uri())  # file:///…/my%20feed.xml
    assert result.body == RSS
    assert result.url == str(path)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.xml"
    with pytest.raises(FeedError) as caught:
        fetch(str(missing))
    assert str(missing) in str(caught.value)
    assert "No such file" in str(caught.value)


def test_directory_and_oversized_file_are_feed_errors(tmp_path):
    with pytest.raises(FeedError, match=str(tmp_path)):
        fetch(str(tmp_path))
    (tmp_path / "big.xml").write_bytes(b"x" * 11)
    with pytest.raises(FeedError, match="limit of 10 bytes"):
        fetch(str(tmp_path / "big.xml"), max_bytes=10)


def test_result_is_frozen():
    result = FetchResult(None, "u", None, None, None, None)
    assert result.not_modified
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.body = b""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=5000), compressed=st.booleans())
def test_any_body_arrives_byte_for_byte(body, compressed):
    with FeedServer() as server:
        server.route("/feed.xml", body=body, gzip=compressed)
        assert fetch(server.url("/feed.xml")).body == body
