"""The `newsletter` command as a user runs it: a real process, real files, real exit codes."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from . import checklist
from .helpers import FEEDS, item, rss

NEWSLETTER = Path(sys.executable).parent / "newsletter"


def run(*args: str, cwd: Path, command=None) -> subprocess.CompletedProcess:
    return subprocess.run([*(command or [str(NEWSLETTER)]), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_build_on_the_bundled_defaults_writes_the_issue(tmp_path):
    result = run("build", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 article(s)" in result.stdout
    assert re.search(r"HTML \d+\.\d KB of Gmail's 102 KB clip limit: fits", result.stdout)
    assert "Wrote out/email.html, out/email.txt, out/issue.json" in result.stdout
    issue = json.loads((tmp_path / "out" / "issue.json").read_text())
    html = (tmp_path / "out" / "email.html").read_text()
    text = (tmp_path / "out" / "email.txt").read_text()
    assert issue["held"] is False and len(issue["articles"]) == 3
    assert f"<title>{issue['subject']}</title>" in html
    assert "%%" not in html and "%%" not in text
    for article in issue["articles"]:
        assert article["title"] in text
        assert article["url"] in text  # the tagged link starts with the article's own URL
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


def test_every_command_has_help_with_an_example(tmp_path):
    result = run("build", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Example:" in result.stdout and "newsletter build" in result.stdout
