"""The clinic's configuration file (TOML) and the process settings (environment).

Configuration is read once, validated, and passed on; nothing else in QuietWatch reads the
environment.  A bad file is answered with one :class:`ConfigError` naming the field and the
line, never a traceback.
"""

import difflib
import ipaddress
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from store import secrets

DEFAULT_CONFIG_FILE = "quietwatch.toml"


class ConfigError(Exception):
    """A configuration file that cannot be used, with a message meant for a person."""


class _Strict(BaseModel):
    # No unknown keys (a misspelling is named), no infinities or NaN (`download_delay = inf`).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class ClinicConfig(_Strict):
    """The clinic's canonical facts: what every listing should say."""

    name: str = Field(min_length=1)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    street_address: str = Field(min_length=1)
    city: str = Field(min_length=1)
    province: str = Field(min_length=2)
    postal_code: str = Field(min_length=3)
    country: str = "CA"
    phone: str = Field(min_length=7)
    website: AnyHttpUrl
    # The clinic's time zone: every date the dashboard shows is in it.
    timezone: str = "America/Vancouver"
    # The clinic's own policy (a text or Markdown file, relative to this file): blocked-action
    # explanations quote it.  Without it they give the rule's own words and quote no policy.
    policy_file: Path | None = None
    policy_name: str | None = Field(default=None, min_length=3)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone name (e.g. America/Vancouver)"
            ) from None
        return value

    @field_validator("phone")
    @classmethod
    def _dialable(cls, value: str, info: ValidationInfo) -> str:
        country = (info.data.get("country") or "CA").upper()
        try:
            number = phonenumbers.parse(value, country)
        except phonenumbers.NumberParseException:
            raise ValueError(f"{value!r} is not a phone number") from None
        if not phonenumbers.is_valid_number(number):
            raise ValueError(
                f"{value!r} is not a complete phone number for {country} "
                "(include the area code, e.g. 604-555-0142)"
            )
        return value

    @property
    def key(self) -> str:
        """A stable identifier for the clinic in a shared store."""
        return self.slug or re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


class SourceConfig(_Strict):
    """One listing the clinic knows about, tagged with its site.

    Which sites and APIs exist is the crawlers' registry's to say: whoever loads the file
    for a crawl hands their names in (``load_config(..., vocabulary=...)``)."""

    site: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    url: AnyHttpUrl
    # Official-API sources name the business on the API instead of (or as well as) a page.
    api: str | None = None
    place_id: str | None = None
    business_id: str | None = None
    page_id: str | None = None
    # The Google Business Profile source: `quietwatch auth google --list-locations` prints it.
    location: str | None = Field(
        default=None, pattern=r"^accounts/[A-Za-z0-9_-]+/locations/[A-Za-z0-9_-]+$"
    )
    enabled: bool = True

    @field_validator("site", "api")
    @classmethod
    def _known(cls, value: str | None, info: ValidationInfo) -> str | None:
        known = (info.context or {}).get(f"{info.field_name}s")
        if value is not None and known is not None and value not in known:
            raise ValueError(f"Input should be one of {', '.join(repr(k) for k in known)}")
        return value


class DatabaseConfig(_Strict):
    url: str | None = None  # overridden by QUIETWATCH_DATABASE_URL
    data_dir: Path | None = None  # where the default SQLite file lives


class CrawlConfig(_Strict):
    # Finite, sane bounds: a crawl must always end (no `inf`, no delay of hours).
    interval_hours: float = Field(default=24, gt=0, le=24 * 31)
    full_sweep_days: float = Field(default=7, gt=0, le=366)
    download_delay: float = Field(default=2.0, ge=0, le=300)
    max_review_pages: int = Field(default=50, ge=1, le=1000)
    stale_after_hours: float | None = Field(
        default=None, gt=0, le=24 * 366
    )  # default: 2 x interval


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine can reach (127.0.0.0/8, ::1,
    localhost).  Anything else, 0.0.0.0 included, is reachable from the network."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class DashboardConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8501, ge=1, le=65535)
    reviewer_names: Literal["as_shown", "initials"] = "as_shown"
    cache_ttl_seconds: int = Field(default=60, ge=0)
    # Streamlit's secrets file with the [auth] section of its OpenID Connect login (st.login);
    # relative to this file.  Required when `host` is reachable from the network.
    secrets_file: Path = Path(".streamlit/secrets.toml")
    # The OIDC provider to sign in with, when secrets.toml names several ([auth.<name>]).
    auth_provider: str | None = None


AlertKind = Literal[
    "owner_response",  # a response from "the business" under a review
    "disclosure",  # a review that reveals a client's identity or health details
    "low_rating",  # a new review rated max_rating or lower
    "new_review",  # any new review
    "source_failing",  # a listing that could not be read, is gone or no longer available
    "degraded_layout",  # fields vanished from a site's pages (a changed layout?)
    "audit_chain_broken",  # the audit log's hash chain does not verify
]
ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)


class AlertRule(_Strict):
    """One ``[[alerts]]`` table: what to tell whom, and when."""

    kind: AlertKind
    urls: list[str] = Field(min_length=1)  # Apprise URLs
    when: Literal["immediately", "daily", "weekly"] = "immediately"
    max_rating: float | None = Field(default=None, ge=0, le=10)  # low_rating: rating <= this
    include_review_text: bool = False  # link-only unless this is true
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,29}$")

    @model_validator(mode="after")
    def _rating_for_low_rating(self) -> "AlertRule":
        if self.kind == "low_rating" and self.max_rating is None:
            raise ValueError("a low_rating alert needs max_rating (e.g. max_rating = 2)")
        if self.kind != "low_rating" and self.max_rating is not None:
            raise ValueError("max_rating applies to low_rating alerts only")
        return self

    @property
    def key(self) -> str:
        """The rule's name in the store's notification records (``alert:<key>``)."""
        return self.name or f"{self.kind}_{self.when}"


class PrivacyConfig(_Strict):
    """What QuietWatch keeps about reviewers (BC PIPA: no more than the purpose needs)."""

    # Reviews the site took down: their text, title, author and earlier versions are erased
    # this many days after the removal (a review tied to an open compliance case waits).
    keep_removed_days: int = Field(default=90, ge=0, le=3650)
    # What is kept of a reviewer's name: as the site shows it, initials, or nothing.
    keep_reviewer_names: Literal["as_shown", "initials", "none"] = "initials"


class GuardrailConfig(_Strict):
    rule_set: str = "bcacc"  # the built-in default rule set
    # Extra or replacement rules, as tables; their shape is validated by guardrail.rules.
    rules: list[dict[str, Any]] = Field(default_factory=list)
    replace: bool = False  # True: the rules above replace the rule set instead of adding to it
    # For a clinic's own rules: the body whose code they come from and their version (semver).
    body: str | None = None
    version: str | None = Field(default=None, pattern=r"^\d+\.\d+(\.\d+)?([-+][\w.]+)?$")


class OwnContentConfig(_Strict):
    """The clinic's own website, blog and feeds, scanned for solicitation."""

    urls: list[AnyHttpUrl] = Field(default_factory=list)
    feeds: list[AnyHttpUrl] = Field(default_factory=list)
    max_pages: int = Field(default=200, ge=1)


class NotificationsConfig(_Strict):
    urls: list[str] = Field(default_factory=list)  # Apprise URLs
    include_review_text: bool = False
    dashboard_url: str = "http://127.0.0.1:8501"


class GoogleConfig(_Strict):
    """The Google Business Profile source's authorisation (see the README's Google guide)."""

    # Where `quietwatch auth google` keeps the refresh token on a machine without an OS
    # keyring (a server): a file readable only by its owner.  Unset: the OS keyring.
    token_file: Path | None = None


class QuietWatchConfig(_Strict):
    clinic: ClinicConfig
    sources: list[SourceConfig] = Field(default_factory=list)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    guardrail: GuardrailConfig = Field(default_factory=GuardrailConfig)
    own_content: OwnContentConfig = Field(default_factory=OwnContentConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    google: GoogleConfig = Field(default_factory=GoogleConfig)
    alerts: list[AlertRule] = Field(default_factory=list)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)

    # Set by load_config, not by the file.
    path: Path | None = Field(default=None, exclude=True)


def canonical_url(url: str) -> str:
    """One spelling of a listing's address: scheme and host in lower case, no default port,
    no fragment, no empty query, no trailing slash on a path (``HTTP://x/ok?``, ``http://x/ok/``
    and ``http://x/ok#top`` are ``http://x/ok``)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((scheme, host, path, parts.query, ""))


def _business_of(source: SourceConfig) -> tuple[str, str]:
    """(site, the business on it) for telling a page and an API source of one business."""
    ids = [source.business_id, source.place_id, source.page_id]
    path = urlsplit(str(source.url)).path.rstrip("/")
    named = next((i for i in ids if i), None) or path.rsplit("/", 1)[-1]
    return source.site, named.lower()


def _check_sources(config: "QuietWatchConfig", text: str, path: Path) -> None:
    """One listing per line, and one way of reading each business (page or API, not both)."""
    seen: dict[str, int] = {}
    readers: dict[tuple[str, str], tuple[int, SourceConfig]] = {}
    for i, source in enumerate(config.sources):
        url = canonical_url(str(source.url))
        if url in seen:
            raise ConfigError(
                f"{path}, line {_line_of(text, ('sources', i, 'url'))}: sources[{i}].url: "
                f"{url} is already listed (sources[{seen[url]}], line "
                f"{_line_of(text, ('sources', seen[url], 'url'))}); list each listing once"
            )
        seen[url] = i
        business = _business_of(source)
        if business in readers and bool(readers[business][1].api) != bool(source.api):
            j, other = readers[business]
            api = source.api or other.api
            raise ConfigError(
                f"{path}, line {_line_of(text, ('sources', i))}: sources[{i}]: the same "
                f"{source.site} business is configured twice, as a page and through the "
                f"{api} API (sources[{j}]); the two would give the same reviews twice "
                "with different text: keep one"
            )
        readers.setdefault(business, (i, source))


def _password(url: str | None) -> str | None:
    try:
        return urlsplit(url).password if url else None
    except ValueError:
        return None


class Settings(BaseSettings):
    """Process settings from the environment.  API keys live here, never in files."""

    model_config = SettingsConfigDict(env_prefix="QUIETWATCH_", extra="ignore")

    config: Path | None = None
    database_url: str | None = None
    data_dir: Path | None = None
    yelp_api_key: SecretStr | None = Field(default=None, validation_alias="YELP_API_KEY")
    google_places_api_key: SecretStr | None = Field(
        default=None, validation_alias="GOOGLE_PLACES_API_KEY"
    )
    facebook_page_token: SecretStr | None = Field(
        default=None, validation_alias="FACEBOOK_PAGE_TOKEN"
    )
    # Base URLs of the official APIs; tests point them at local servers.
    yelp_api_base: str = "https://api.yelp.com"
    google_places_api_base: str = "https://places.googleapis.com"
    google_maps_api_base: str = "https://maps.googleapis.com"
    facebook_graph_api_base: str = "https://graph.facebook.com"
    # One base for the three Business Profile APIs, and the OAuth token endpoint; unset:
    # Google's own.
    google_business_api_base: str | None = None
    google_oauth_token_uri: str | None = None

    def model_post_init(self, _context: Any) -> None:
        """Every secret read here is scrubbed from whatever QuietWatch stores or prints."""
        secrets.register(
            *(
                s.get_secret_value()
                for s in (self.yelp_api_key, self.google_places_api_key, self.facebook_page_token)
                if s is not None
            ),
            _password(self.database_url),
        )


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number in ``text`` of the TOML key at pydantic location ``loc``."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    table: list[str] = []
    parts = list(loc)
    i = 0

    def section_end(after: int) -> int:
        nxt = [j for j in range(after, len(lines)) if re.match(r"^\s*\[", lines[j])]
        return nxt[0] if nxt else len(lines)

    while i < len(parts):
        part = str(parts[i])
        index = parts[i + 1] if i + 1 < len(parts) and isinstance(parts[i + 1], int) else None
        key = re.compile(r"^\s*" + re.escape(part) + r"\s*=")
        for j in range(start, end):
            if key.match(lines[j]):
                return j + 1
        table.append(part)
        name = re.escape(".".join(table))
        if index is not None:
            header = re.compile(r"^\s*\[\[\s*" + name + r"\s*\]\]")
            hits = [j for j in range(len(lines)) if header.match(lines[j])]
            if index >= len(hits):
                return hits[-1] + 1 if hits else None
            start = hits[index] + 1
            i += 2
        else:
            header = re.compile(r"^\s*\[\s*" + name + r"\s*\]")
            hits = [j for j in range(len(lines)) if header.match(lines[j])]
            if not hits:
                return start or None
            start = hits[0] + 1
            i += 1
        end = section_end(start)
    return start or None


def _first_error(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The error to name first: a misspelt key explains the 'missing' errors it causes."""
    return next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])


def _describe(error: dict[str, Any], text: str, path: Path) -> str:
    loc = tuple(error.get("loc", ()))
    field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
    line = _line_of(text, loc)
    where = f"{path}, line {line}" if line else str(path)
    msg = error.get("msg", "is not valid")
    if error.get("type") == "missing":
        msg = "is required but missing"
    elif error.get("type") == "extra_forbidden":
        msg = "is not a known setting (check its spelling)"
        known = _known_keys(loc[:-1])
        if guess := difflib.get_close_matches(str(loc[-1]), known, n=1):
            msg += f"; did you mean {guess[0]!r}?"
    return f"{where}: {field or 'file'}: {msg}"


def parse_config(
    text: str, path: Path, vocabulary: dict[str, Sequence[str]] | None = None
) -> QuietWatchConfig:
    """Validate TOML text; raise :class:`ConfigError` with the field and line on failure.

    ``vocabulary`` names the known ``sites`` and ``apis`` (``crawlers.sites``); without it
    any well-formed name passes (the dashboard does not need to know)."""
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = QuietWatchConfig.model_validate(data, context=vocabulary)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = _describe(_first_error(errors), text, path)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(first + more) from None
    _check_sources(config, text, path)
    config.path = path
    names = [rule.key for rule in config.alerts]
    if len(set(names)) != len(names):
        raise ConfigError(
            f"{path}: alerts: two rules share a name ({', '.join(sorted(names))}); "
            "give one of them a different `name`"
        )
    return config


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The settings allowed where ``loc`` points (a table of the file)."""
    model: Any = QuietWatchConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        inner = getattr(annotation, "__args__", None) or (annotation,)
        model = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def relative_to_config(config: QuietWatchConfig, path: Path) -> Path:
    """A path from the config file, made absolute against the file's folder."""
    path = path.expanduser()
    if path.is_absolute() or config.path is None:
        return path
    return config.path.parent / path


def load_config(
    path: Path | str | None = None,
    settings: Settings | None = None,
    vocabulary: dict[str, Sequence[str]] | None = None,
) -> QuietWatchConfig:
    """Read the configuration file: ``path``, else ``QUIETWATCH_CONFIG``, else ./quietwatch.toml."""
    settings = settings or Settings()
    chosen = Path(path or settings.config or DEFAULT_CONFIG_FILE)
    try:
        text = chosen.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{chosen}: no such configuration file (copy quietwatch.example.toml, or pass --config)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{chosen}: cannot be read: {exc}") from None
    return parse_config(text, chosen.resolve(), vocabulary)


def data_dir(config: QuietWatchConfig | None, settings: Settings | None = None) -> Path:
    """Where QuietWatch keeps its files (the default SQLite store, locks, the audit's head
    and pending files for a server store): QUIETWATCH_DATA_DIR, else the file's
    ``[database] data_dir`` (relative to the config file), else ``data/`` beside it."""
    settings = settings or Settings()
    chosen = settings.data_dir or (config.database.data_dir if config else None)
    base = config.path.parent if config is not None and config.path else Path.cwd()
    where = Path(chosen).expanduser() if chosen is not None else base / "data"
    return where if where.is_absolute() else base / where


def database_url(config: QuietWatchConfig | None, settings: Settings | None = None) -> str:
    """The database URL: QUIETWATCH_DATABASE_URL, else the file's, else a SQLite file."""
    settings = settings or Settings()
    if settings.database_url:
        return settings.database_url
    if config is not None and config.database.url:
        return config.database.url
    where = data_dir(config, settings)
    where.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(where / 'quietwatch.db').resolve()}"
