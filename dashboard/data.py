"""Where the dashboard gets its settings, its engines and its data — in one place.

The CLI hands the dashboard ``QUIETWATCH_CONFIG`` and ``QUIETWATCH_DATABASE_URL``; they are
read here (through :class:`store.config.Settings`) and nowhere else in the dashboard.
Every table is read through :mod:`store.queries` on a read-only engine; query results are
cached for ``dashboard.cache_ttl_seconds``.  The only writes the dashboard makes are the
guardrail's audit row (:mod:`dashboard.guard`) and the compliance case log
(:mod:`dashboard.caselog`), on an engine kept for those alone.
"""

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard import auth, compare, render
from store import audit, queries
from store.config import (
    DEFAULT_CONFIG_FILE,
    ClinicConfig,
    CrawlConfig,
    DashboardConfig,
    GuardrailConfig,
    QuietWatchConfig,
    Settings,
    data_dir,
    database_url,
    is_loopback,
    load_config,
    relative_to_config,
)
from store.db import Engine, Session, make_engine
from store.models import ClinicRead, ListingRead, ListingStatus, Origin

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppContext:
    database_url: str
    config_path: str | None
    dashboard: DashboardConfig
    crawl: CrawlConfig
    clinic_key: str | None  # the clinic the config describes, chosen by default
    guardrail: GuardrailConfig | None  # the rule set a blocked click is recorded under
    timezone: str = ClinicConfig.model_fields["timezone"].default
    policy_file: Path | None = None  # the clinic's own policy (absolute)
    policy_name: str | None = None
    secrets_file: Path | None = None  # Streamlit's secrets (st.login), absolute
    data_dir: Path | None = None  # the audit log's head and pending files (server stores)

    @property
    def stale_after_hours(self) -> float:
        return self.crawl.stale_after_hours or 2 * self.crawl.interval_hours

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone)


def context() -> AppContext:
    """Settings for this process: config file and database URL (environment first)."""
    ours = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(_PREFIX)))
    ctx = _context(*_settings(ours))
    render.ZONE = ctx.zone  # every date shown in the clinic's time zone
    return ctx


_PREFIX = "QUIETWATCH_"


@lru_cache(maxsize=8)
def _settings(_environment: tuple[tuple[str, str], ...]) -> tuple[str | None, str | None]:
    """The config file and database URL that ``QUIETWATCH_*`` (``_environment``) give: read
    once for each set of values, not on every call (pages ask for the context often)."""
    settings = Settings()
    return (str(settings.config) if settings.config else None, settings.database_url)


@st.cache_resource(show_spinner=False)
def _context(config_path: str | None, env_url: str | None) -> AppContext:
    config: QuietWatchConfig | None = None
    path = Path(config_path) if config_path else Path(DEFAULT_CONFIG_FILE)
    if config_path or path.exists():
        config = load_config(path)  # ConfigError: shown by the router
    url = env_url or database_url(config)
    if config is None:
        return AppContext(url, None, DashboardConfig(), CrawlConfig(), None, None)
    policy = config.clinic.policy_file
    return AppContext(
        database_url=url,
        config_path=str(config.path),
        dashboard=config.dashboard,
        crawl=config.crawl,
        clinic_key=config.clinic.key,
        guardrail=config.guardrail,
        timezone=config.clinic.timezone,
        policy_file=relative_to_config(config, policy) if policy else None,
        policy_name=config.clinic.policy_name,
        secrets_file=relative_to_config(config, config.dashboard.secrets_file),
        data_dir=data_dir(config),
    )


# -- who is looking -----------------------------------------------------------------------
def exposed() -> bool:
    """The server listens on an address other machines can reach (sign-in required)."""
    return not is_loopback(str(st.get_option("server.address") or "127.0.0.1"))


def user() -> str:
    """Who the audit and case-log rows name: the signed-in person, else the OS user."""
    return auth.signed_in_user(st.user) or auth.os_user()


@st.cache_resource(show_spinner=False)
def read_engine(url: str) -> Engine:
    """The read-only engine every page reads through (SQLite ``mode=ro``)."""
    logger.info("dashboard reads %s read-only", url.split("@")[-1])
    return make_engine(url, read_only=True)


@st.cache_resource(show_spinner=False)
def audit_engine(url: str) -> Engine:
    """The engine for the dashboard's only writes: the guardrail's audit row and the case
    log's rows (QuietWatch's own records; nothing about a review is ever changed)."""
    return make_engine(url)


def schema_current() -> bool:
    """The store is at the newest migration (else every page would fail on a new table)."""
    return _schema_current(context().database_url)


@st.cache_resource(show_spinner=False, ttl=60)
def _schema_current(url: str) -> bool:
    from store.db import schema_is_current

    return schema_is_current(read_engine(url))


def _query(name: str, url: str, kwargs: tuple) -> Any:
    with Session(read_engine(url)) as session:
        return getattr(queries, name)(session, **dict(kwargs))


def _comparisons_now(
    url: str, clinic_id: int
) -> list[tuple[ListingRead, list[compare.FactComparison]]]:
    with Session(read_engine(url)) as session:
        clinic = next((c for c in queries.clinics(session) if c.id == clinic_id), None)
        rows = queries.listings(session, clinic_id=clinic_id, origins=Origin.active())
    if clinic is None:
        return []
    return [(row, compare.compare(clinic, row)) for row in rows]


_CACHED: dict[int, tuple[Callable[..., Any], Callable[..., Any]]] = {}


def _cached(ttl: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The two readers wrapped in ``st.cache_data`` with the configured time-to-live (one
    config per process, so in practice one TTL); a TTL of 0 means no caching at all."""
    if ttl <= 0:
        return _query, _comparisons_now
    if ttl not in _CACHED:
        _CACHED[ttl] = (
            st.cache_data(ttl=ttl, max_entries=512, show_spinner=False)(_query),
            st.cache_data(ttl=ttl, max_entries=16, show_spinner=False)(_comparisons_now),
        )
    return _CACHED[ttl]


def audit_chain() -> audit.ChainReport:
    """Whether the audit log's hash chain holds (walked on every load of the page that shows
    it: the point is to notice tampering, not to be fast)."""
    ctx = context()
    return audit.check(read_engine(ctx.database_url), ctx.data_dir)


def load(name: str, **kwargs: Any) -> Any:
    """``store.queries.<name>(session, **kwargs)``, cached for ``cache_ttl_seconds``."""
    ctx = context()
    run, _ = _cached(ctx.dashboard.cache_ttl_seconds)
    return run(name, ctx.database_url, tuple(sorted(kwargs.items())))


def prefetch(*calls: tuple[str, dict[str, Any]], comparisons_of: ClinicRead | None = None) -> None:
    """Run several of a page's queries at once, each on its own connection and thread, so
    that what ``load`` (and ``comparisons``) are asked next is already in the cache.

    SQLite and PostgreSQL do a query's work without holding Python's lock, so on a page's
    first load (nothing cached yet) the queries overlap instead of waiting for each other.
    Nothing is drawn from the threads: they only fill the cache.  With caching off
    (``cache_ttl_seconds = 0``) there is nothing to fill and nothing is done."""
    ctx = context()
    ttl = ctx.dashboard.cache_ttl_seconds
    if ttl <= 0:
        return
    run, run_comparisons = _cached(ttl)
    jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (run, (name, ctx.database_url, tuple(sorted(kwargs.items())))) for name, kwargs in calls
    ]
    if comparisons_of is not None:
        jobs.append((run_comparisons, (ctx.database_url, comparisons_of.id)))
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="qw-prefetch") as pool:
        for future in [pool.submit(fn, *args) for fn, args in jobs]:
            future.result()  # a query's error is raised here, as load() would raise it


def clear_cache() -> None:
    """Forget every cached query result (after the audit write, or on "Refresh")."""
    for run, comparisons_ in _CACHED.values():
        run.clear()
        comparisons_.clear()


# -- the clinic being looked at (kept in the URL: ?clinic=<key>) --------------------------
CLINIC_KEY = "clinic_id"
CLINIC_PARAM = "clinic"


def clinics() -> list[ClinicRead]:
    return load("clinics")


def current_clinic() -> ClinicRead | None:
    """The clinic chosen in the sidebar; by default the one the config describes."""
    known = clinics()
    if not known:
        return None
    by_id = {c.id: c for c in known}
    chosen = st.session_state.get(CLINIC_KEY)
    if chosen in by_id:
        return by_id[chosen]
    by_key = {c.key: c for c in known}
    if st.query_params.get(CLINIC_PARAM) in by_key:
        return by_key[st.query_params[CLINIC_PARAM]]
    ctx = context()
    for clinic in known:
        if clinic.key == ctx.clinic_key:
            return clinic
    return known[0]


def require_clinic() -> ClinicRead:
    """The current clinic, or a plain message and a stop when the store holds none."""
    clinic = current_clinic()
    if clinic is None:
        st.info("The store holds no clinic yet. Run `quietwatch init` and `quietwatch crawl`.")
        st.stop()
    return clinic  # type: ignore[return-value]


# -- derived data -------------------------------------------------------------------------
def comparisons(
    clinic: ClinicRead,
) -> list[tuple[ListingRead, list[compare.FactComparison]]]:
    """Each active listing with its facts compared to the clinic's (normalised)."""
    ctx = context()
    _, run = _cached(ctx.dashboard.cache_ttl_seconds)
    return run(ctx.database_url, clinic.id)


def ready(page: str) -> None:
    """The app's own "ready" signal, drawn last on every page: the browser tests and the
    bench wait for ``.st-key-qw-ready-<page>`` instead of guessing with a timer."""
    with st.container(key=f"qw-ready-{page}", height=1, border=False):
        st.empty()


def attention_counts(clinic: ClinicRead, *, since: Any, stale_before: Any) -> dict[str, int]:
    """What needs attention at one clinic, counted (the Overview's list and the roll-up):
    small reads only (open findings by kind, the listings it compares anyway)."""
    found = load("open_finding_counts", clinic_id=clinic.id)
    sites = load("site_summaries", clinic_id=clinic.id, since=since)
    compared = comparisons(clinic)
    listings = [listing for listing, _comps in compared if listing.enabled]
    failing = {
        listing.id
        for listing in listings
        if listing.last_status and not ListingStatus(listing.last_status).good
    }
    return {
        "owner_response": found.get("owner_response", 0),
        "disclosure": found.get("disclosure", 0),
        "solicitation": sum(
            n for k, n in found.items() if k not in ("owner_response", "disclosure")
        ),
        "mismatched": sum(1 for _l, comps in compared if any(c.mismatch for c in comps)),
        "failing": len(failing),
        "overdue": sum(
            1
            for listing in listings
            if listing.id not in failing
            and (listing.last_success_at is None or listing.last_success_at < stale_before)
        ),
        "new": sum(s.new_since for s in sites),
    }
