"""Pins for the configuration loader's details (issue 9's mutation pass over store/config.py):
which line and which field an error names, the suggestion for a misspelt key, one spelling of
a listing's address, one business read two ways, what counts as loopback, and paths beside
the file."""

import tomllib
from pathlib import Path

import pytest

from crawlers.sites import vocabulary
from store.config import (
    ConfigError,
    QuietWatchConfig,
    canonical_url,
    is_loopback,
    parse_config,
    relative_to_config,
)

# Lines 1-8; the tables the cases add start at line 10.
CLINIC = """\
[clinic]
name = "C"
street_address = "1 Main St"
city = "Vancouver"
province = "BC"
postal_code = "V6B 1A1"
phone = "604-555-0100"
website = "https://c.example"
"""


def _message(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "q.toml"
    with pytest.raises(ConfigError) as info:
        parse_config(text, path, vocabulary())
    return path, str(info.value)


# -- the line an error names (_line_of, _describe) ------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        # No [clinic] anywhere: no line to name, and the message says so without one.
        ("[crawl]\ninterval_hours = 2\n", None, "clinic"),
        # A key missing from its table: the table's header, not a same-named key of a later
        # table.
        (
            CLINIC.replace('name = "C"\n', "")
            + '\n[[alerts]]\nname = "ops"\nkind = "new_review"\nurls = ["json://x"]\n',
            1,
            "clinic.name",
        ),
        # A whole [[alerts]] entry refused: that entry's header.
        (CLINIC + '\n[[alerts]]\nkind = "low_rating"\nurls = ["json://x"]\n', 10, "alerts[0]"),
        # A bad value on the first line under its header: that line.
        (CLINIC + '\n[[alerts]]\nurls = [3]\nkind = "new_review"\n', 11, "alerts[0].urls[0]"),
        # A list written as tables ([[alerts.urls]]): that table's header.
        (
            CLINIC + '\n[[alerts]]\nkind = "new_review"\n\n[[alerts.urls]]\nto = "x"\n',
            13,
            "alerts[0].urls[0]",
        ),
        # An item of a list in a plain table: the list's key.
        (
            CLINIC + '\n[own_content]\nmax_pages = 5\nurls = ["not a url"]\n',
            12,
            "own_content.urls[0]",
        ),
        # A sub-table nobody asked for: its own header, not its parent's.
        (
            CLINIC + '\n[dashboard]\nport = 8501\n\n[dashboard.auth]\nprovider = "x"\n',
            13,
            "dashboard.auth",
        ),
        # ... even when it holds a key of its own name.
        (
            CLINIC
            + '\n[dashboard]\nport = 8501\n\n[dashboard.auth]\nprovider = "x"\nauth = "oidc"\n',
            13,
            "dashboard.auth",
        ),
        # An array-of-tables header the finder cannot read (a quoted key): no line, no crash.
        (
            CLINIC + '\n[["sources"]]\nsite = "Yelp"\nurl = "https://x.example/a"\n',
            None,
            "sources[0].site",
        ),
        # ... after one it can read: the last header it could read.
        (
            CLINIC
            + '\n[[sources]]\nsite = "yelp"\nurl = "https://x.example/a"\n'
            + '\n[["sources"]]\nsite = "Yelp"\nurl = "https://x.example/b"\n',
            10,
            "sources[1].site",
        ),
    ],
)
def test_the_error_names_the_line_of_its_key_or_table(tmp_path, text, line, field):
    """One line per error: the file, the line of the key or table (or none when there is
    none to point at), the field, the problem."""
    path, message = _message(tmp_path, text)
    where = f"{path}, line {line}" if line else str(path)
    assert message.startswith(f"{where}: {field}: "), message
    assert "line None" not in message


# -- a misspelt key (_first_error, _describe, _known_keys) ----------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CLINIC.replace("phone =", "phon ="),
            ", line 7: clinic.phon: is not a known setting (check its spelling); "
            "did you mean 'phone'? (and 1 more problem(s))",
        ),
        (
            CLINIC.replace("[clinic]", "[clinc]"),
            ", line 1: clinc: is not a known setting (check its spelling); "
            "did you mean 'clinic'? (and 1 more problem(s))",
        ),
        (
            CLINIC + '\n[[sources]]\nsite = "yelp"\nurll = "https://x.example/a"\n',
            ", line 12: sources[0].urll: is not a known setting (check its spelling); "
            "did you mean 'url'? (and 1 more problem(s))",
        ),
    ],
)
def test_a_misspelt_key_is_named_before_the_missing_one_with_its_likely_spelling(
    tmp_path, text, expected
):
    """A misspelling also makes the real key 'missing': the misspelling is named, with the
    setting of that table (top level, a table, a list entry) it most resembles."""
    path, message = _message(tmp_path, text)
    assert message == f"{path}{expected}"


# -- one spelling of a listing's address (canonical_url) ------------------------------------
@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Clinic.Example/Reviews/Page-X/", "http://clinic.example/Reviews/Page-X"),
        ("http://clinic.example/ok#top", "http://clinic.example/ok"),
        (" https://clinic.example/ok/?page=2 ", "https://clinic.example/ok?page=2"),
        ("http://clinic.example/", "http://clinic.example"),
        ("http://clinic.example:80/ok", "http://clinic.example/ok"),
        ("https://clinic.example:443/ok", "https://clinic.example/ok"),
        ("https://clinic.example:8443/ok", "https://clinic.example:8443/ok"),
        ("http://clinic.example:443/ok", "http://clinic.example:443/ok"),
        ("file:///srv/ok/", "file:///srv/ok"),
    ],
)
def test_canonical_url_lowers_scheme_and_host_and_drops_only_defaults(url, canonical):
    """Scheme and host in lower case, the path as written (its case too) without a trailing
    slash, no fragment; a port is dropped only when it is its scheme's default; an address
    without a host gets none."""
    assert canonical_url(url) == canonical


# -- one business read as a page and through an API (_business_of) ---------------------------
API = '\n[[sources]]\nsite = "yelp"\napi = "yelp_fusion"\nurl = "https://www.yelp.com/biz/x"\n'


def test_the_business_of_a_page_is_its_whole_last_segment_in_any_case(tmp_path):
    """A page and an API source name the same business when the page address's last
    segment, whatever its case and with or without a trailing slash, is the API's id."""
    page = '\n[[sources]]\nsite = "yelp"\nurl = "https://www.yelp.ca/biz/Pacific-Wellness-RX/"\n'
    same = CLINIC + page + API + 'business_id = "pacific-wellness-rx"\n'
    _, message = _message(tmp_path, same)
    assert "the same yelp business is configured twice" in message
    assert "through the yelp_fusion API (sources[0])" in message
    other = CLINIC + page + API + 'business_id = "pacific-wellness"\n'
    assert len(parse_config(other, tmp_path / "q.toml", vocabulary()).sources) == 2


def test_a_listing_at_a_sites_root_address_loads(tmp_path):
    """A page source whose address has no path (the site's root) is a business named ''."""
    text = CLINIC + '\n[[sources]]\nsite = "yelp"\nurl = "https://www.yelp.ca/"\n'
    config = parse_config(text, tmp_path / "q.toml", vocabulary())
    assert [str(s.url) for s in config.sources] == ["https://www.yelp.ca/"]


# -- what counts as loopback (is_loopback) ---------------------------------------------------
@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("LocalHost", True), ("localhost.", True), (" localhost ", True),
     ("127.0.0.1", True), ("127.8.0.1", True), ("[::1]", True), ("::1", True),
     ("clinic-pc", False), ("localhost.example", False), ("0.0.0.0", False),
     ("[::]", False), ("X127.0.0.1", False)],
)  # fmt: skip
def test_only_this_machines_addresses_and_names_are_loopback(host, loopback):
    """localhost (any case, with its root dot), 127.0.0.0/8 and ::1 (bracketed or not) are
    loopback; any other name or address, even one wrapping a loopback address, is not."""
    assert is_loopback(host) is loopback


# -- paths beside the file (relative_to_config) ----------------------------------------------
def test_a_config_not_read_from_a_file_leaves_relative_paths_as_they_are(tmp_path):
    """Without a file to be beside, a relative path stays relative; an absolute one is kept."""
    config = QuietWatchConfig.model_validate(tomllib.loads(CLINIC))
    assert config.path is None
    assert relative_to_config(config, Path("policy/ours.md")) == Path("policy/ours.md")
    assert relative_to_config(config, tmp_path / "ours.md") == tmp_path / "ours.md"
    read = parse_config(CLINIC, tmp_path / "q.toml")
    assert relative_to_config(read, Path("/srv/ours.md")) == Path("/srv/ours.md")
