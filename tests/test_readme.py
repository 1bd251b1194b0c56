"""The README's two commands are the ones CI proves."""

import re

from .helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    return [line for line in first_block.splitlines() if line and not line.startswith("#")]


def test_the_readme_starts_with_the_run_and_the_test_commands():
    run, *rest = commands()
    assert run.endswith(".venv/bin/newsletter build")
    assert rest[-1].endswith(".venv/bin/pytest")


def test_ci_runs_the_readmes_test_command_word_for_word():
    assert commands()[-1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_readmes_settings_table_names_every_section_once_with_its_keys():
    """The table is the one place a user learns the keys; a merge once left two `[smtp]` rows."""
    import dataclasses

    from newsletter.common.settings import Secrets, Settings

    rows = re.findall(r"^\| `\[(\w+)\]` \| (.*) \|$", README, re.M)
    listed = [section for section, _ in rows]
    sections = {f.name: f.type for f in dataclasses.fields(Settings)
                if dataclasses.is_dataclass(getattr(Settings(), f.name))
                and not isinstance(getattr(Settings(), f.name), Secrets)}
    assert sorted(listed) == sorted(sections)
    for section, keys in rows:
        shown = re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", keys))
        expected = [f.name for f in dataclasses.fields(getattr(Settings(), section))]
        assert shown == expected, section


def test_the_readmes_layout_is_a_tree_of_the_rooms_one_line_each():
    from newsletter import __file__ as package_init
    from pathlib import Path

    tree = README.split("## Layout\n\n```\n", 1)[1].split("```", 1)[0].splitlines()
    assert all(re.match(r"^ *[\w.]+/? +\S", line) for line in tree), "a line without a name"
    package = Path(package_init).parent
    rooms = {p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    shown = {line.strip().split()[0].rstrip("/") for line in tree if line.startswith("  ")
             and not line.startswith("    ")}
    assert shown == rooms
    for line in tree:
        if line.startswith("    "):  # a room's own subpackage, under it
            sub = line.split()[0].rstrip("/")
            assert any((package / room / sub / "__init__.py").exists() for room in rooms), sub


def test_the_readmes_social_snippets_are_what_the_code_makes_today():
    from newsletter.common.settings import Settings
    from newsletter.social.files import listing
    from newsletter.social.snippets import compose_all

    from .helpers import sample_articles

    lead = sample_articles()[0]
    shown = README.split("$ newsletter social --latest\n", 1)[1].split("```", 1)[0]
    assert shown.startswith(f"=== {lead.title} ({lead.id}) ===\n")
    snippets = compose_all((lead,), clinic_name=Settings().clinic.name)
    assert len(snippets) == 8
    for snippet in snippets:
        assert listing(snippet) in shown


def test_the_readmes_weekly_schedule_is_the_committed_one():
    shown = README.split("## Schedules", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    assert shown == (ROOT / "schedules" / "weekly.toml").read_text(encoding="utf-8")


def test_the_readmes_systemd_unit_is_in_the_committed_one():
    shown = README.split("```ini\n", 1)[1].split("```", 1)[0]
    unit = (ROOT / "deploy" / "newsletter-scheduler.service").read_text(encoding="utf-8")
    assert shown.strip().splitlines()[0] == "[Service]"
    assert shown in unit
    for setting in ("User=", "WorkingDirectory=", "EnvironmentFile=", "Restart=on-failure",
                    "KillSignal=SIGTERM", "ExecStart=/srv/newsletter/.venv/bin/newsletter "
                                          "scheduler"):
        assert setting in shown


def test_the_first_block_activates_the_environment_the_later_commands_run_in():
    """The later commands say `newsletter ...` and `python send.py`: without the
    environment activated, a shell finds no `newsletter` and a system python no packages."""
    run, activate, *_ = commands()
    assert activate.split("#")[0].strip() == ". .venv/bin/activate"
    assert "python3 send.py" not in README


def test_send_py_runs_as_the_readme_says_from_the_activated_environment(tmp_path):
    """`python send.py` with the environment's python, in a folder with no configuration:
    the bundled clinic has no subscribers, which is one clear line, not a traceback."""
    import sys

    from .helpers import run_cli

    result = run_cli(command=[sys.executable, str(ROOT / "send.py")], cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: there are no active subscribers"), result.stderr
