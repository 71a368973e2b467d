"""QuietWatch dashboard: the router.  Run with ``quietwatch dashboard`` (see launch.py).

Read-only: every page reads the store through ``store.queries`` on a read-only engine.
The writes are QuietWatch's own records: the guardrail's audit row when someone clicks a
blocked action, and the compliance case log.  Bound beyond 127.0.0.1 it shows nothing
until the person has signed in (``st.login``; see :mod:`dashboard.auth`).
"""

from pathlib import Path

import streamlit as st

from dashboard import auth, data, render
from store.config import ConfigError

st.set_page_config(
    page_title="QuietWatch",
    # A local image: a ":material/...:" page icon makes the browser fetch it from Google.
    page_icon=render.page_icon(),
    layout="wide",
    initial_sidebar_state="auto",  # collapsed on a phone, so the tables are in view
)

PAGES = [
    st.Page(
        "views/overview.py",
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        "views/listings.py", title="Listings", icon=":material/storefront:", url_path="listings"
    ),
    st.Page("views/reviews.py", title="Reviews", icon=":material/reviews:", url_path="reviews"),
    st.Page(
        "views/compliance.py", title="Compliance", icon=":material/policy:", url_path="compliance"
    ),
    st.Page(
        "views/health.py", title="Crawl health", icon=":material/monitor_heart:", url_path="health"
    ),
]


def _refresh() -> None:
    data.clear_cache()


def _sidebar() -> None:
    ctx = data.context()
    known = data.clinics()
    with st.sidebar:
        st.markdown("**QuietWatch** · reads only")
        if len(known) > 1:
            current = data.current_clinic()
            if data.CLINIC_KEY not in st.session_state and current is not None:
                st.session_state[data.CLINIC_KEY] = current.id
            names = {c.id: c.name for c in known}
            st.selectbox(
                "Clinic",
                options=list(names),
                format_func=lambda cid: render.clean(names.get(cid, cid)),
                key=data.CLINIC_KEY,
            )
            chosen = data.current_clinic()
            if chosen is not None:  # kept in the URL, so a link or a reload keeps the clinic
                st.query_params[data.CLINIC_PARAM] = chosen.key
        st.caption(
            f"Data cached for {ctx.dashboard.cache_ttl_seconds} s. Reviewer names: "
            + ("initials only." if ctx.dashboard.reviewer_names == "initials" else "as kept.")
        )
        st.button("Refresh data", key="refresh", icon=":material/refresh:", on_click=_refresh)
        st.caption(f"Signed in as {render.md_escape(data.user())}." if data.exposed() else "")
        if data.exposed():
            st.button("Sign out", key="logout", on_click=st.logout)


def _gate() -> None:
    """Beyond loopback: nothing is shown until the person has signed in (OIDC)."""
    if not data.exposed():
        return
    ctx = data.context()
    secrets = ctx.secrets_file or Path(".streamlit/secrets.toml")
    problem = auth.auth_problem(secrets, ctx.dashboard.auth_provider)
    if problem is not None:
        st.error("The dashboard is reachable from the network and sign-in is not set up.")
        render.text(auth.refusal(str(st.get_option("server.address")), secrets, problem))
        st.stop()
    if not st.user.is_logged_in:
        st.header("QuietWatch")
        st.caption("Sign in to see the dashboard: it shows review text and compliance findings.")
        st.button(
            "Sign in",
            key="login",
            icon=":material/login:",
            on_click=st.login,
            args=(ctx.dashboard.auth_provider,) if ctx.dashboard.auth_provider else (),
            type="primary",
        )
        st.stop()


def main() -> None:
    navigation = st.navigation(PAGES)
    try:
        data.context()
        data.clinics()
    except ConfigError as exc:
        st.error("The configuration file cannot be used:")
        render.text(str(exc))
        st.stop()
    except FileNotFoundError as exc:
        st.error("No QuietWatch database yet.")
        render.text(str(exc))
        st.stop()
    _gate()
    if not data.schema_current():
        st.error("The database was made by an older QuietWatch.")
        render.text("Run `quietwatch init` to upgrade it (nothing in it is lost), then reload.")
        st.stop()
    _sidebar()
    navigation.run()


main()
