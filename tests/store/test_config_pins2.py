"""More pins for the configuration loader (issue 9's mutation pass over store/config.py):
which file is read and how (the settings' and the environment's file, ./quietwatch.toml,
UTF-8 whatever the locale, an unreadable file, the sites' vocabulary), the exact messages of
a single problem, of one business read two ways and of two alert rules of one name, the
secrets the settings register for scrubbing, and where the data folder and the default
SQLite store are."""

import locale
import tomllib
from pathlib import Path

import pytest

from crawlers.sites import vocabulary
from store import secrets
from store.config import (
    ConfigError,
    QuietWatchConfig,
    Settings,
    data_dir,
    database_url,
    load_config,
    parse_config,
)
from tests.store.test_config_pins import CLINIC

ENV = (
    "QUIETWATCH_CONFIG",
    "QUIETWATCH_DATABASE_URL",
    "QUIETWATCH_DATA_DIR",
    "YELP_API_KEY",
    "GOOGLE_PLACES_API_KEY",
    "FACEBOOK_PAGE_TOKEN",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """None of QuietWatch's settings in the environment (monkeypatch restores them)."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def registered():
    """The test starts with no secret registered (others' tests register theirs in this
    process) and what it registers is forgotten after it."""
    saved = set(secrets._registered)
    secrets._registered.clear()
    yield
    secrets._registered.clear()
    secrets._registered.update(saved)


def _message(tmp_path: Path, text: str, vocab=None) -> tuple[Path, str]:
    path = tmp_path / "q.toml"
    with pytest.raises(ConfigError) as info:
        parse_config(text, path, vocab)
    return path, str(info.value)


# -- which file is read (load_config) --------------------------------------------------------
def test_without_a_path_the_settings_file_is_read_not_the_default(tmp_path, clean_env):
    """No path: the file the settings name (not ./quietwatch.toml, not the environment's)."""
    chosen = tmp_path / "clinic.toml"
    chosen.write_text(CLINIC)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean_env.chdir(elsewhere)
    config = load_config(settings=Settings(config=chosen))
    assert config.path == chosen.resolve()
    assert config.clinic.name == "C"


def test_without_a_path_or_settings_the_environments_file_is_read(tmp_path, clean_env):
    """No path, no settings: QUIETWATCH_CONFIG from the environment."""
    chosen = tmp_path / "from-env.toml"
    chosen.write_text(CLINIC)
    clean_env.chdir(tmp_path)
    clean_env.setenv("QUIETWATCH_CONFIG", str(chosen))
    assert load_config().path == chosen.resolve()


def test_with_nothing_named_quietwatch_toml_in_the_current_folder_is_read(tmp_path, clean_env):
    """No path, no setting: ./quietwatch.toml."""
    (tmp_path / "quietwatch.toml").write_text(CLINIC)
    clean_env.chdir(tmp_path)
    assert load_config().path == (tmp_path / "quietwatch.toml").resolve()
    assert load_config(settings=Settings()).path == (tmp_path / "quietwatch.toml").resolve()


@pytest.fixture
def ascii_locale():
    """The process's character-type locale is plain C (ASCII) for the test."""
    old = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


def test_the_file_is_read_as_utf8_whatever_the_locale(tmp_path, clean_env, ascii_locale):
    """A clinic named with accents loads on a machine whose locale is not UTF-8."""
    path = tmp_path / "q.toml"
    path.write_bytes(CLINIC.replace('name = "C"', 'name = "Clinique Côté"').encode("utf-8"))
    assert load_config(path, Settings()).clinic.name == "Clinique Côté"


def test_a_file_that_is_not_utf8_is_refused_with_the_reason(tmp_path, clean_env):
    """Bytes that are not UTF-8: the file and the decoder's reason, on one line."""
    path = tmp_path / "q.toml"
    path.write_bytes(b'[clinic]\nname = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, Settings())
    assert str(info.value) == (
        f"{path}: cannot be read: 'utf-8' codec can't decode byte 0xff in position 17: "
        "invalid start byte"
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, Settings())
    assert str(info.value).startswith(f"{tmp_path}: cannot be read: [Errno ")


def test_the_sites_vocabulary_is_handed_on_to_validation(tmp_path, clean_env):
    """Given the crawlers' vocabulary, an unknown site is refused; without it, it loads."""
    path = tmp_path / "q.toml"
    path.write_text(CLINIC + '\n[[sources]]\nsite = "yelpp"\nurl = "https://x.example/a"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, Settings(), vocabulary())
    assert str(info.value).startswith(
        f"{path.resolve()}, line 11: sources[0].site: Value error, Input should be one of "
        "'yelp', 'google'"
    )
    assert [s.site for s in load_config(path, Settings()).sources] == ["yelpp"]


# -- exact messages (parse_config, _check_sources) -------------------------------------------
def test_a_single_problem_is_named_without_a_count_of_more(tmp_path):
    """One problem: its line, field and reason, and nothing about other problems."""
    path, message = _message(tmp_path, CLINIC + 'timezone = "Vancouver"\n')
    assert message == (
        f"{path}, line 9: clinic.timezone: Value error, 'Vancouver' is not a time zone name "
        "(e.g. America/Vancouver)"
    )


def test_an_api_source_then_a_page_of_its_business_is_refused_naming_both(tmp_path):
    """The API source first and the page after it: refused too, at the page's entry, naming
    the API and the entry that reads it."""
    api = (
        '\n[[sources]]\nsite = "yelp"\napi = "yelp_fusion"\nurl = "https://www.yelp.com/biz/x"\n'
        'business_id = "pacific-wellness"\n'
    )
    page = '\n[[sources]]\nsite = "yelp"\nurl = "https://www.yelp.ca/biz/Pacific-Wellness"\n'
    path, message = _message(tmp_path, CLINIC + api + page, vocabulary())
    assert message == (
        f"{path}, line 16: sources[1]: the same yelp business is configured twice, as a page "
        "and through the yelp_fusion API (sources[0]); the two would give the same reviews "
        "twice with different text: keep one"
    )


def test_business_ids_are_compared_lower_cased_not_folded(tmp_path):
    """Lower case is the only folding: an id with 'ß' is not the page spelt with 'ss'."""
    page = '\n[[sources]]\nsite = "yelp"\nurl = "https://www.yelp.ca/biz/strasse-clinic"\n'
    api = (
        '\n[[sources]]\nsite = "yelp"\napi = "yelp_fusion"\nurl = "https://www.yelp.com/biz/y"\n'
        'business_id = "Straße-Clinic"\n'
    )
    config = parse_config(CLINIC + page + api, tmp_path / "q.toml", vocabulary())
    assert [s.business_id for s in config.sources] == [None, "Straße-Clinic"]


def test_two_alert_rules_of_one_name_are_refused_listing_the_names(tmp_path):
    """Two rules with one name (given, or the kind_when default): every rule's name, sorted."""
    rule = '\n[[alerts]]\nkind = "{kind}"\nurls = ["json://x"]\n{name}'
    text = (
        CLINIC
        + rule.format(kind="source_failing", name='name = "ops"\n')
        + rule.format(kind="new_review", name="")
        + rule.format(kind="owner_response", name='name = "ops"\n')
    )
    path, message = _message(tmp_path, text)
    assert message == (
        f"{path}: alerts: two rules share a name (new_review_immediately, ops, ops); "
        "give one of them a different `name`"
    )


# -- secrets the settings register (Settings.model_post_init, _password) ---------------------
def test_every_key_token_and_database_password_read_is_scrubbed(clean_env, registered):
    """The API keys, the page token and the database URL's password read from the
    environment are masked from then on."""
    clean_env.setenv("YELP_API_KEY", "yelp-key-123456")
    clean_env.setenv("GOOGLE_PLACES_API_KEY", "places-key-654321")
    clean_env.setenv("FACEBOOK_PAGE_TOKEN", "page-token-abcdef")
    clean_env.setenv("QUIETWATCH_DATABASE_URL", "postgresql+psycopg://qw:db-pass-98765@db/qw")
    text = "a yelp-key-123456 b places-key-654321 c page-token-abcdef d db-pass-98765 e"
    assert secrets.scrub(text) == text
    Settings()
    assert secrets.scrub(text) == "a *** b *** c *** d *** e"


def test_a_database_url_without_a_password_registers_nothing(clean_env, registered):
    """No keys and a URL without a password: no secret is added."""
    before = set(secrets._registered)
    clean_env.setenv("QUIETWATCH_DATABASE_URL", "postgresql+psycopg://qw@db/qw")
    Settings()
    Settings(database_url=None)
    assert secrets._registered == before


# -- where the files are (data_dir, database_url) --------------------------------------------
def _from_file(tmp_path: Path, extra: str = "") -> QuietWatchConfig:
    path = tmp_path / "conf" / "quietwatch.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(CLINIC + extra)
    return load_config(path, Settings())


def test_the_data_folder_setting_wins_over_the_file_and_is_relative_to_it(tmp_path, clean_env):
    """QUIETWATCH_DATA_DIR (or the settings given) over the file's data_dir; a relative one
    is beside the config file; without a config, it is used as given."""
    config = _from_file(tmp_path, '\n[database]\ndata_dir = "from-file"\n')
    given = Settings(data_dir=tmp_path / "given")
    assert data_dir(config, given) == tmp_path / "given"
    assert data_dir(None, given) == tmp_path / "given"
    assert data_dir(config, Settings(data_dir=Path("rel"))) == tmp_path / "conf" / "rel"
    clean_env.setenv("QUIETWATCH_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(None) == tmp_path / "env"
    assert data_dir(config) == tmp_path / "env"


def test_the_files_data_folder_is_beside_the_file(tmp_path, clean_env):
    """No setting: the file's [database] data_dir, relative to the file's folder; an absolute
    one as written; none: data/ beside the file."""
    config = _from_file(tmp_path, '\n[database]\ndata_dir = "store"\n')
    assert data_dir(config, Settings()) == tmp_path / "conf" / "store"
    assert data_dir(config) == tmp_path / "conf" / "store"
    absolute = _from_file(tmp_path, f'\n[database]\ndata_dir = "{tmp_path / "abs"}"\n')
    assert data_dir(absolute, Settings()) == tmp_path / "abs"
    assert data_dir(_from_file(tmp_path), Settings()) == tmp_path / "conf" / "data"


def test_without_a_file_the_data_folder_is_in_the_current_folder(tmp_path, clean_env):
    """No config, or one not read from a file: data/ (or its relative data_dir) in the
    current folder."""
    clean_env.chdir(tmp_path)
    assert data_dir(None, Settings()) == tmp_path / "data"
    unread = QuietWatchConfig.model_validate(tomllib.loads(CLINIC))
    assert data_dir(unread, Settings()) == tmp_path / "data"
    unread.database.data_dir = Path("store")
    assert data_dir(unread, Settings()) == tmp_path / "store"


def test_the_default_store_is_in_the_given_settings_data_folder_made_with_its_parents(
    tmp_path, clean_env
):
    """The settings handed in (not the environment's) name the data folder; it is made, with
    any missing parents, for the SQLite file."""
    config = _from_file(tmp_path)
    folder = tmp_path / "a" / "b"
    url = database_url(config, Settings(data_dir=folder))
    assert url == f"sqlite:///{folder / 'quietwatch.db'}"
    assert folder.is_dir()
    assert not (tmp_path / "conf" / "data").exists()


def test_without_settings_the_environments_database_url_is_used(tmp_path, clean_env):
    """No settings handed in: QUIETWATCH_DATABASE_URL from the environment, over the file's."""
    config = _from_file(tmp_path, '\n[database]\nurl = "sqlite:////tmp/from-file.db"\n')
    assert database_url(config) == "sqlite:////tmp/from-file.db"
    clean_env.setenv("QUIETWATCH_DATABASE_URL", "postgresql+psycopg://qw@db/qw")
    assert database_url(config) == "postgresql+psycopg://qw@db/qw"
