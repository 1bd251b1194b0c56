"""A Spanish clinic's `newsletter` says everything in Spanish: the same commands run for an
English clinic and a Spanish one, and no line but the data (article titles, addresses) is
the same in both. The English output itself is what the other CLI tests check."""

import re
from pathlib import Path

import pytest

from ..helpers import run_cli as run

PATIENTS = ("email,name,tags,phone\n"
            "ana@example.com,Ana Lopez,back-pain\n"
            "bob,Bob,\n"
            "dee@example.com,Dee,vip!\n"
            "ANA@example.com,Ana again,\n"
            "eve@,Eve,\n")
DATA = re.compile(r"^\s*(- .*|\S+@\S+)$")
"""A line that is only the clinic's or the patients' own words: an article, an address."""


def clinic(folder: Path, language: str, extra: str = "") -> Path:
    folder.mkdir()
    (folder / "newsletter.toml").write_text(f'[clinic]\nlanguage = "{language}"\n{extra}',
                                            encoding="utf-8")
    (folder / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    return folder


def said_by_both(tmp_path: Path, *commands: str, extra: str = "") -> list[tuple[list, list]]:
    """Each command's output lines (stdout, then stderr) in English and in Spanish."""
    english, spanish = clinic(tmp_path / "en", "en", extra), clinic(tmp_path / "es", "es", extra)
    said = []
    for command in commands:
        en, es = (run(*command.split(), cwd=folder) for folder in (english, spanish))
        assert en.returncode == es.returncode, es.stderr
        assert "Traceback" not in en.stderr + es.stderr
        said.append(((en.stdout + en.stderr).splitlines(), (es.stdout + es.stderr).splitlines()))
    return said


def english_left(english: list[str], spanish: list[str]) -> list[str]:
    assert spanish and english
    return [line for line in spanish if line in english and not DATA.match(line)]


def test_build_says_its_summary_and_warnings_in_spanish(tmp_path):
    [(english, spanish)] = said_by_both(tmp_path, "build")
    assert english_left(english, spanish) == []
    assert any(line.startswith("  warning: first run: ") for line in english)
    assert any(line.startswith("  aviso: primera ejecución: ") for line in spanish)
    assert "  3 artículos:" in spanish
    assert re.search(r"HTML de \d+,\d KB", "\n".join(spanish))  # a decimal comma


def test_send_without_subscribers_errs_and_hints_in_spanish(tmp_path):
    [(english, spanish)] = said_by_both(tmp_path, "send")
    assert english == ["error: there are no active subscribers to send to",
                       "hint: add some with `newsletter subscribers import FILE.csv`"]
    assert english_left(english, spanish) == []
    assert spanish[0] == "error: no hay suscriptores activos a quienes enviar"


def test_subscribers_and_a_rehearsal_to_the_outbox_in_spanish(tmp_path):
    said = said_by_both(tmp_path, "subscribers add carl@example.com --name Carl",
                        "subscribers import patients.csv", "send --dry-run", "send",
                        "subscribers list", "subscribers remove carl@example.com",
                        "subscribers remove carl@example.com")
    for english, spanish in said:
        assert english_left(english, spanish) == [], english
    (_, added), (english_import, spanish_import) = said[0], said[1]
    assert added == ["Se agregó carl@example.com (activo)"]
    assert "  line 3: 'bob' — missing @" in english_import
    assert "  línea 3: 'bob' — falta la @" in spanish_import
    assert "  línea 6: 'eve@' — falta algo después de la @" in spanish_import  # the validator's
    assert any("se omitió la etiqueta 'vip!'" in line for line in spanish_import)
    assert said[3][1][0].startswith("Ensayo del número ")


@pytest.mark.parametrize("mistake", ['[issue]\narticles_per_issue = "six"\n',
                                     '[nothing]\n', 'typo = 1\n'])
def test_a_config_mistake_is_said_in_the_language_the_file_asks_for(tmp_path, mistake):
    [(english, spanish)] = said_by_both(tmp_path, "build", extra=mistake)
    assert english[0].startswith("error: ") and "newsletter.toml" in english[0]
    assert english_left(english, spanish) == []


def test_a_config_file_that_cannot_say_its_language_is_answered_in_english(tmp_path):
    (tmp_path / "newsletter.toml").write_text('[clinic]\nlanguage = "es"\nname = \n')
    result = run("build", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "not valid TOML" in result.stderr
