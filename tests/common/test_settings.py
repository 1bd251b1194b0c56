"""Configuration: the bundled defaults run with no file; mistakes name the key and the file."""

from pathlib import Path

import pytest

from newsletter.common.errors import ConfigError
from newsletter.common.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_bundled_sample_clinic(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert settings.clinic.timezone == "America/Chicago"
    assert Path(settings.feed_source).name == "clinic.rss.xml"
    assert Path(settings.feed_source).is_file()
    assert settings.database_url == f"sqlite:///{tmp_path / 'newsletter.db'}"


def test_the_commented_example_is_exactly_the_defaults(tmp_path):
    example = load_settings(ROOT / "newsletter.example.toml")
    defaults = Settings(base_dir=example.base_dir, source=example.source)
    assert example == defaults


def test_newsletter_toml_in_the_working_folder_is_read(tmp_path):
    write(tmp_path, '[clinic]\nname = "Riverside Physio"\n')
    assert load_settings(cwd=tmp_path).clinic.name == "Riverside Physio"


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = write(tmp_path, '[feed]\nsource = "feeds/blog.xml"\n'
                           '[store]\ndatabase_url = "sqlite:///state/n.db"\n')
    settings = load_settings(path, cwd=Path("/"))
    assert settings.feed_source == str(tmp_path / "feeds" / "blog.xml")
    assert settings.database_url == f"sqlite:///{tmp_path / 'state' / 'n.db'}"


def test_an_http_feed_is_left_alone(tmp_path):
    path = write(tmp_path, '[feed]\nsource = "https://clinic.example/feed.xml"\n')
    assert load_settings(path).feed_source == "https://clinic.example/feed.xml"


@pytest.mark.parametrize("text, words", [
    ('[clinic]\nnmae = "x"\n', ["clinic.nmae", "is not a known key"]),
    ('[clinc]\nname = "x"\n', ["[clinc]", "unknown section"]),
    ('[issue]\narticles_per_issue = "six"\n', ["issue.articles_per_issue", "whole number"]),
    ('[issue]\narticles_per_issue = true\n', ["issue.articles_per_issue", "whole number"]),
    ('[issue]\narticles_per_issue = 0\n', ["issue.articles_per_issue", "between 1 and 50"]),
    ('[clinic]\ntimezone = "Mars/Olympus"\n', ["clinic.timezone", "Mars/Olympus"]),
    ('[clinic]\nbrand_color = "teal"\n', ["clinic.brand_color", "6-digit hex"]),
    ('[clinic]\nbrand_color = "#0f6"\n', ["clinic.brand_color"]),
    ('[clinic]\nwebsite = "clinic.example"\n', ["clinic.website", "absolute"]),
    ('[clinic]\npostal_address = " "\n', ["clinic.postal_address", "empty"]),
    ('[sender]\naddress = "not an address"\n', ["sender.address", "not an email address"]),
    ('[feed]\ntimeout_seconds = 0\n', ["feed.timeout_seconds"]),
    ('[smtp]\nconnections = 0\n', ["smtp.connections", "between 1 and 50"]),
    ('[smtp]\nconnections = 2.5\n', ["smtp.connections", "whole number"]),
    ('[clinic]\nname = \n', ["not valid TOML"]),
    ('clinic = 3\n', ["[clinic]", "table"]),
    ('[scheduler]\nmisfire_grace_seconds = 0\n', ["scheduler.misfire_grace_seconds", "between 1"]),
    ('[scheduler]\nmisfire_grace_seconds = 60.5\n', ["scheduler.misfire_grace_seconds", "whole"]),
    ('[scheduler]\nfeed_alert_after_failures = 0\n', ["scheduler.feed_alert_after_failures"]),
    ('[scheduler]\nstaff_alert_address = "front desk"\n', ["scheduler.staff_alert_address"]),
    ('[scheduler]\nschedules = ""\n', ["scheduler.schedules", "folder"]),
])
def test_mistakes_name_the_key_and_the_file(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_the_config_file_is_known_for_whoever_reloads_it_later(tmp_path):
    assert load_settings(cwd=tmp_path).config_file is None
    path = write(tmp_path, "[scheduler]\nmisfire_grace_seconds = 600\n")
    settings = load_settings(path)
    assert settings.config_file == path.resolve()
    assert settings.scheduler.misfire_grace_seconds == 600


def test_a_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def test_whole_numbers_are_accepted_where_a_number_is_asked(tmp_path):
    settings = load_settings(write(tmp_path, "[feed]\ntimeout_seconds = 5\n"))
    assert settings.feed.timeout_seconds == 5.0
    assert isinstance(settings.feed.timeout_seconds, float)


def test_without_an_exported_key_one_is_generated_beside_the_database_owner_only(tmp_path):
    path = write(tmp_path, '[store]\ndatabase_url = "sqlite:///state/clinic.db"\n')
    (tmp_path / "state").mkdir()
    first = load_settings(path, env={}).require_secret_key()
    key_file = tmp_path / "state" / "clinic.db.secret-key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_settings(path, env={}).require_secret_key() == first  # kept, not remade


def test_an_exported_key_wins_over_the_generated_file(tmp_path):
    path = write(tmp_path, '[store]\ndatabase_url = "sqlite:///clinic.db"\n')
    load_settings(path, env={}).require_secret_key()
    exported = "exported-key-0123456789abcdef"
    assert load_settings(path, env={"NEWSLETTER_SECRET_KEY": exported}
                         ).require_secret_key() == exported


def test_a_short_exported_key_is_still_refused(tmp_path):
    with pytest.raises(ConfigError, match="NEWSLETTER_SECRET_KEY"):
        load_settings(cwd=tmp_path, env={"NEWSLETTER_SECRET_KEY": "short"}).require_secret_key()


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = write(tmp_path, '[store]\ndatabase_url = "sqlite:///clinic.db"\n')
    load_settings(path, env={}).require_secret_key()
    (tmp_path / "clinic.db.secret-key").chmod(0o644)
    with pytest.raises(ConfigError, match="can be read by others") as refused:
        load_settings(path, env={}).require_secret_key()
    assert refused.value.hint.startswith("chmod 600 ")


def test_a_networks_address_must_be_https_unless_it_is_this_machine(tmp_path):
    path = write(tmp_path, '[posting]\nbluesky_pds_url = "http://pds.example"\n')
    with pytest.raises(ConfigError, match=r"posting.bluesky_pds_url must be an https URL "
                                          r"\(http only on this machine\)"):
        load_settings(path, env={})
    with pytest.raises(ConfigError, match="NEWSLETTER_MASTODON_URL must be an https URL"):
        load_settings(cwd=tmp_path / "none", env={"NEWSLETTER_MASTODON_URL": "mastodon.social"})
    local = write(tmp_path, '[posting]\nbluesky_pds_url = "http://127.0.0.1:2583"\n')
    settings = load_settings(local, env={"NEWSLETTER_MASTODON_URL": "https://mastodon.social",
                                         "NEWSLETTER_MASTODON_TOKEN": "t0ken"})
    assert settings.posting.bluesky_pds_url == "http://127.0.0.1:2583"
    assert "t0ken" not in repr(settings)
