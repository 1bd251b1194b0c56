"""SpamAssassin (Debian's `spamassassin`, local rules only: no network tests) finds nothing
to hold against the content of the sample issue: a score of 0, no rule with points."""

import dataclasses
import re
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

from newsletter.common.settings import Settings
from newsletter.issue.message import issue_message, sample_fields

from ..helpers import rendered, sample_articles

AT = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def spam_report(message: bytes, home) -> tuple[float, list[str]]:
    """SpamAssassin's score and the names of the rules that gave points."""
    assert shutil.which("spamassassin"), "install Debian's spamassassin (.ci/run does)"
    result = subprocess.run(["spamassassin", "-L", "-t", "-x"], input=message,
                            capture_output=True, timeout=120, env={"HOME": str(home),
                                                                   "PATH": "/usr/bin:/bin"})
    report = result.stdout.decode("utf-8", "replace")
    score = re.search(r"Content analysis details:\s+\((-?[\d.]+) points", report)
    assert score, report[-2000:]
    rules = re.findall(r"^\s*(-?\d+\.\d+)\s+([A-Z0-9_]+)\s", report, re.M)
    return float(score.group(1)), [name for points, name in rules if float(points) != 0]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_sample_issue_scores_zero(tmp_path, language):
    settings = Settings()
    settings = dataclasses.replace(settings, clinic=dataclasses.replace(settings.clinic,
                                                                        language=language))
    result, _, _ = rendered(sample_articles()[:3], settings)
    message = issue_message(result, settings, date=AT).fill(sample_fields(settings, result.slug))
    score, rules = spam_report(message, tmp_path)
    assert rules == [] and score <= 0, (score, rules)
