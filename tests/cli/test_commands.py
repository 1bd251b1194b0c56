"""The `newsletter` command as a user runs it: a real process, real files, real exit codes."""

import json
import re

import pytest

from .. import checklist
from ..helpers import FEEDS, item, rss
from ..helpers import run_cli as run


def test_build_on_the_bundled_defaults_writes_the_issue(tmp_path):
    result = run("build", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 article(s)" in result.stdout
    assert re.search(r"HTML \d+\.\d KB of Gmail's 102 KB clip limit: fits", result.stdout)
    assert "Wrote out/email.html, out/email.txt, out/issue.json, out/social.json" in result.stdout
    issue = json.loads((tmp_path / "out" / "issue.json").read_text())
    html = (tmp_path / "out" / "email.html").read_text()
    text = (tmp_path / "out" / "email.txt").read_text()
    assert issue["held"] is False and len(issue["articles"]) == 3
    assert f"<title>{issue['subject']}</title>" in html
    assert "%%" not in html and "%%" not in text
    for article in issue["articles"]:
        assert article["title"] in text
        assert article["url"] in text  # the tagged link starts with the article's own URL
        assert article["summary"] in " ".join(text.split()) and article["source"] == "feed"
        assert article["reading_minutes"] >= 1 and article["categories"]
        assert article["image"]["url"].startswith("https://") and article["image"]["alt"]
        assert (article["image"]["width"], article["image"]["height"]) == (1200, 800)
    lead = issue["articles"][0]
    assert lead["title"] == "Can Acupuncture Help With Back Pain?"
    assert lead["published"] == "2026-01-06T14:00:00+00:00"
    assert lead["categories"] == ["Acupuncture", "Back Pain"]
    assert [a["author"] for a in issue["articles"]] == [None, "Dr. Glenn", "Dr. Glenn"]
    assert (tmp_path / "newsletter.db").exists()


def test_a_second_build_with_nothing_new_says_so_and_exits_0(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss([item(1, 20)]))
    assert run("build", "--feed", str(feed), cwd=tmp_path).returncode == 0
    feed.write_bytes(rss([]))
    result = run("build", "--feed", str(feed), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("Nothing new in ")


def test_a_config_mistake_is_one_clear_line_without_a_traceback(tmp_path):
    (tmp_path / "newsletter.toml").write_text('[issue]\narticles_per_issue = "six"\n')
    result = run("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and "issue.articles_per_issue" in first
    assert "newsletter.toml" in first


def test_verbose_shows_the_traceback(tmp_path):
    result = run("build", "--verbose", "--feed", str(tmp_path / "missing.xml"), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "missing.xml" in result.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.iterdir() if p.suffix != ".md"))
def test_no_hostile_or_odd_feed_makes_a_traceback(tmp_path, name):
    result = run("build", "--feed", str(FEEDS / name), "--out", "out", cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode in (0, 1)
    if result.returncode == 1:
        assert result.stderr.startswith(f"error: {FEEDS / name}: ")
    elif (tmp_path / "out" / "email.html").exists():
        html = (tmp_path / "out" / "email.html").read_text()
        assert checklist.item_5(html, None) == []  # no script, handlers or javascript: URLs


@pytest.mark.parametrize("command", ["build", "social", "send", "subscribers import"])
def test_every_command_has_help_with_an_example(tmp_path, command):
    result = run(*command.split(), "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert re.search(r"Examples?:", result.stdout) and f"newsletter {command}" in result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of the bundled feed, shared by the tests that only read what it left."""
    folder = tmp_path_factory.mktemp("built")
    result = run("build", "--out", "out", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


def test_build_writes_every_snippet_and_the_lead_articles_files(built):
    tmp_path, stdout = built
    assert "Social: 24 snippets (3 article(s) on 8 platforms)" in stdout
    assert "8 lead snippets in out/social/" in stdout
    social = json.loads((tmp_path / "out" / "social.json").read_text(encoding="utf-8"))
    issue = json.loads((tmp_path / "out" / "issue.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in social["articles"]] == [a["id"] for a in issue["articles"]]
    platforms = list(social["platforms"])
    assert len(platforms) == 8
    for article in social["articles"]:
        assert [s["platform"] for s in article["snippets"]] == platforms
        for snippet in article["snippets"]:
            assert 0 < snippet["length"] <= snippet["limit"]
            assert snippet["image"].startswith("https://") and snippet["alt"]
            assert "utm_source=" + snippet["platform"] in snippet["link"]
    lead = {s["platform"]: s for s in social["articles"][0]["snippets"]}
    assert "api_text" in lead["linkedin"] and lead["bluesky"]["facets"]
    assert lead["bluesky"]["bytes"] <= lead["bluesky"]["byte_limit"] == 3000
    for name in platforms:
        written = (tmp_path / "out" / "social" / f"{name}.txt").read_text(encoding="utf-8")
        assert written == lead[name]["text"] + "\n"


def test_social_prints_the_latest_articles_snippet_within_its_limit(built):
    result = run("social", "--latest", "--platform", "x", cwd=built[0])
    assert result.returncode == 0, result.stderr
    header = re.search(r"^--- X · (\d+)/280 ---$", result.stdout, re.M)
    assert header and int(header.group(1)) <= 280
    assert "Can Acupuncture Help With Back Pain?" in result.stdout
    assert "utm_source=x&utm_medium=social" in result.stdout
    assert "--- Facebook" not in result.stdout


def test_social_picks_an_article_by_its_slug_and_prints_every_platform(built):
    result = run("social", "--article", "preventing-football-injuries", cwd=built[0])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("=== ") == 1 and "How to Prevent Football Injuries" in result.stdout
    assert len(re.findall(r"^--- .+ · \d+/\d+ ---$", result.stdout, re.M)) == 8
    assert "link (bio): https://" in result.stdout and "link (button): https://" in result.stdout


def test_social_with_an_unknown_article_is_one_clear_line(built):
    result = run("social", "--article", "no-such-article", cwd=built[0])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first, hint = result.stderr.splitlines()
    assert first == "error: no article 'no-such-article' in this issue"
    assert hint.startswith("hint: its articles are: https://")


def test_social_before_any_issue_says_to_build_first(tmp_path):
    result = run("social", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["error: there is no issue yet",
                                          "hint: run `newsletter build` first"]
