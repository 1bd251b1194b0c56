"""What a new user does first: try a send with the defaults, then configure SMTP; build from
another feed, then send. Neither may use anything up behind their back."""

from ..helpers import item, rss
from ..helpers import run_cli as run
from ..sending_setup import ENV, add_subscribers, make_clinic, numbered, open_clinic


def test_a_send_to_the_outbox_says_nothing_was_emailed_and_the_real_send_still_sends(
        tmp_path, smtp):
    config = make_clinic(tmp_path, outbox_delivers=False)  # the defaults: no SMTP host
    _, store = open_clinic(config)
    add_subscribers(store, numbered(3))
    tried = run("send", "--config", str(config), env=ENV)
    assert tried.returncode == 0, tried.stderr
    assert "Nothing was e-mailed" in tried.stdout
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 3
    assert store.issues.open() is not None and store.issues.last_sent() is None
    text = config.read_text().replace('host = ""', 'host = "127.0.0.1"').replace(
        "port = 587", f"port = {smtp.port}")
    config.write_text(text)
    real = run("send", "--config", str(config), env=ENV)
    assert real.returncode == 0, real.stderr
    assert "(complete)" in real.stdout and "sent 3," in real.stdout
    assert sorted(smtp.count_by_recipient().values()) == [1, 1, 1]


def test_an_outbox_configured_as_the_delivery_counts_as_sent_once(tmp_path):
    config = make_clinic(tmp_path, outbox_delivers=True)
    _, store = open_clinic(config)
    add_subscribers(store, numbered(2))
    first = run("send", "--config", str(config), env=ENV)
    assert first.returncode == 0 and "(complete)" in first.stdout, first.stdout + first.stderr
    again = run("send", "--config", str(config), env=ENV)
    assert again.stdout.startswith("Nothing to send")
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 2


def test_an_issue_built_from_another_feed_is_not_discarded_by_the_next_send(tmp_path, smtp):
    config = make_clinic(tmp_path, port=smtp.port)
    other = tmp_path / "other.xml"
    other.write_bytes(rss([item(7, 22, summary="From the other blog.")],
                          link="https://other.example/blog/"))
    _, store = open_clinic(config)
    add_subscribers(store, numbered(2))
    built = run("build", "--config", str(config), "--feed", str(other), "--out",
                str(tmp_path / "out"), env=ENV)
    assert built.returncode == 0, built.stderr
    sent = run("send", "--config", str(config), env=ENV)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "(complete)" in sent.stdout
    assert len(smtp.messages) == 2
    assert all(b"other.example/blog/post-7" in m.data for m in smtp.messages)
    assert "Article number 7" in store.issues.last_sent().subject
