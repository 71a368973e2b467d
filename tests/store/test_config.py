"""The configuration file: valid files load; bad ones get one clear line with field and line."""

import re
from pathlib import Path

import pytest

from crawlers.sites import vocabulary
from store.config import ConfigError, Settings, database_url, load_config, parse_config

GOOD = """\
[clinic]
name = "Harbourview Counselling Collective"
street_address = "1234 West Broadway, Suite 210"
city = "Vancouver"
province = "BC"
postal_code = "V6H 1G9"
phone = "+1 604-555-0142"
website = "https://harbourview-counselling.example"

[[sources]]
site = "yelp"
url = "https://www.yelp.ca/biz/harbourview-counselling-collective-vancouver"

[[sources]]
site = "ratemds"
url = "https://www.ratemds.com/doctor-ratings/5550142/x.html"
"""


def test_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "quietwatch.toml"
    path.write_text(GOOD)
    config = load_config(path, Settings(_env_file=None))
    assert config.clinic.name == "Harbourview Counselling Collective"
    assert config.clinic.key == "harbourview-counselling-collective"
    assert [s.site for s in config.sources] == ["yelp", "ratemds"]
    assert config.dashboard.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace('phone = "+1 604-555-0142"\n', ""),
            ["clinic.phone", "is required", "line 1"],
        ),
        (GOOD.replace('site = "ratemds"', 'site = "ratemd"'), ["sources[1].site", "line 15"]),
        (
            GOOD.replace('site = "yelp"', 'site = "yelp"\nurll = "x"'),
            ["sources[0].urll", "line 12", "not a known setting"],
        ),
        (GOOD.replace('city = "Vancouver"', 'city = "Vancouver'), ["not valid TOML", "line 4"]),
        (
            GOOD.replace("https://harbourview-counselling.example", "not a url"),
            ["clinic.website", "line 8"],
        ),
    ],
)
def test_bad_file_names_field_and_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = tmp_path / "quietwatch.toml"
    with pytest.raises(ConfigError) as info:
        parse_config(text, path, vocabulary())
    message = str(info.value)
    assert "\n" not in message.strip()
    for part in expected:
        assert part in message, message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml", Settings(_env_file=None))


def test_database_url_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "quietwatch.toml"
    path.write_text(GOOD + '\n[database]\nurl = "sqlite:////tmp/from-file.db"\n')
    monkeypatch.delenv("QUIETWATCH_DATABASE_URL", raising=False)
    config = load_config(path, Settings(_env_file=None))
    assert database_url(config, Settings(_env_file=None)) == "sqlite:////tmp/from-file.db"
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/qw")
    assert database_url(config, Settings()) == "postgresql+psycopg://u@127.0.0.1/qw"


def test_default_database_is_sqlite_under_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUIETWATCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("QUIETWATCH_DATA_DIR", raising=False)
    path = tmp_path / "quietwatch.toml"
    path.write_text(GOOD)
    config = load_config(path, Settings(_env_file=None))
    url = database_url(config, Settings(_env_file=None))
    assert url == f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}"
    assert (tmp_path / "data").is_dir()


# -- the clinic's time zone and policy, privacy, alerts (issue 14) ------------------------
def _clinic_config(tmp_path, extra_clinic: str = "", extra: str = ""):
    text = (
        '[clinic]\nname = "C"\nstreet_address = "1 Main St"\ncity = "Vancouver"\n'
        'province = "BC"\npostal_code = "V6B 1A1"\nphone = "604-555-0100"\n'
        f'website = "https://c.example"\n{extra_clinic}\n{extra}'
    )
    return parse_config(text, tmp_path / "q.toml")


def test_defaults_for_time_zone_and_privacy(tmp_path):
    config = _clinic_config(tmp_path)
    assert config.clinic.timezone == "America/Vancouver"
    assert config.clinic.policy_file is None
    assert (config.privacy.keep_removed_days, config.privacy.keep_reviewer_names) == (
        90,
        "initials",
    )
    assert config.alerts == []


@pytest.mark.parametrize(
    ("extra_clinic", "extra", "message"),
    [
        (
            'timezone = "Vancouver"',
            "",
            "clinic.timezone: Value error, 'Vancouver' is not a time zone",
        ),
        ("", '[privacy]\nkeep_reviewer_names = "nicknames"', "privacy.keep_reviewer_names"),
        ("", "[privacy]\nkeep_removed_days = -1", "privacy.keep_removed_days"),
        ("", '[privacy]\nkeep_names = "none"', "privacy.keep_names: is not a known setting"),
        ("", '[[alerts]]\nkind = "owner_response"', "alerts[0].urls: is required"),
        ("", '[[alerts]]\nkind = "new_review"\nurls = ["x://"]\nwhen = "hourly"', "alerts[0].when"),
    ],
)
def test_bad_settings_name_the_field(tmp_path, extra_clinic, extra, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        _clinic_config(tmp_path, extra_clinic, extra)


def test_the_policy_file_is_relative_to_the_config(tmp_path):
    from store.config import relative_to_config

    config = _clinic_config(tmp_path, 'policy_file = "policy/ours.md"\npolicy_name = "Our policy"')
    assert relative_to_config(config, config.clinic.policy_file) == tmp_path / "policy" / "ours.md"
    assert config.clinic.policy_name == "Our policy"
