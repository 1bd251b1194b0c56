"""The corpus report is how a change is measured on real blogs: it must flag each quirk a
subscriber would see, read the folders inside the one it is given, and tell a crash from a
clear error."""

import io

from newsletter.common.model import Article, Image
from tools.corpus_report import quirks, report

from ..helpers import ROOT

CLEAN = Article(id="a", title="Ice or heat after a sprain?", url="https://clinic.example/ice",
                summary="Ice helps in the first two days; heat helps later.", author="Dr. Glenn",
                image=Image("https://clinic.example/img/ice-640w.jpg", "An ice pack", 640, 427))


def flags(**changes) -> list[str]:
    from dataclasses import replace

    return quirks(replace(CLEAN, **changes))


def test_a_clean_article_has_no_flag_and_each_quirk_has_its_own():
    assert quirks(CLEAN) == []
    assert flags(summary="The post Ice appeared first on Clinic.") == ["footer"]
    assert flags(summary="improvements that made it better.") == ["mid-sentence"]
    assert flags(summary="Ice first. Read more") == ["read-more"]
    assert flags(summary="") == ["no-summary"]
    assert flags(title="Untitled") == ["untitled"]
    assert flags(author="Dr. Glenn (noreply@blogger.com)") == ["author-email"]
    assert flags(url="http://feedproxy.google.com/~r/clinic/ice") == ["feedproxy"]
    assert flags(image=Image("https://secure.gravatar.com/avatar/1?s=96", "Dr. Glenn")) == \
        ["avatar-button-or-thumbnail-image"]
    assert flags(image=Image("https://clinic.example/DSC_4550.jpg", "DSC_4550")) == \
        ["file-name-alt"]
    assert flags(categories=("Uncategorized",)) == ["cms-default-tag"]


def test_the_report_reads_nested_folders_and_tells_a_crash_from_a_clear_error(tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "clinic.rss.xml").write_bytes(
        (ROOT / "newsletter" / "feed" / "samples" / "clinic.rss.xml").read_bytes())
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "not-a-blog.html").write_text("<html><body><p>Our shop</p></body></html>")
    (tmp_path / "SOURCES.md").write_text("not read")
    out = io.StringIO()
    tally = report(tmp_path, quiet=True, out=out)
    assert tally["files"] == 2
    assert tally["clean issues"] == 1 and tally["clear error"] == 1
    assert tally["CRASH"] == 0
    assert "## feeds/clinic.rss.xml" in out.getvalue()
    assert "## pages/not-a-blog.html" in out.getvalue()


def test_our_own_quirk_fixtures_build_without_a_crash_or_a_quirk():
    """Each fixture holds a quirk the code now mends; the one flag left is the post that has
    no words at all (untitled.xml), which rightly has no summary."""
    tally = report(ROOT / "tests" / "data" / "feeds" / "quirks", quiet=True, out=io.StringIO())
    assert tally["files"] >= 10
    kept = {"files", "articles", "clean issues", "issues with a quirk"}
    assert {key: n for key, n in tally.items() if key not in kept} == {"no-summary": 1}
    assert tally["clean issues"] == tally["files"] - 1
