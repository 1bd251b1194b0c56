"""The suite's results do not depend on the developer's shell."""

import subprocess
import sys

from .helpers import ROOT

HOSTILE = {"NEWSLETTER_SECRET_KEY": "short", "NEWSLETTER_STAFF_PASSWORD": "from-my-shell",
           "NEWSLETTER_SMTP_PASSWORD": "from-my-shell"}
SENSITIVE = ["tests/common/test_settings.py", "tests/schedule/test_jobs.py",
             "tests/web/test_security.py", "tests/delivery/test_send_process.py::"
             "test_without_an_exported_secret_key_the_send_makes_one_and_keeps_it"]
"""Tests that read these variables, in-process (load_settings reads os.environ unless told
otherwise) or in the commands they start."""


def test_exported_newsletter_variables_do_not_change_test_results():
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **HOSTILE}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             *SENSITIVE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
