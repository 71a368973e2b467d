"""QuietWatch dashboard: the router.  Run with ``quietwatch dashboard`` (see launch.py).

Read-only: every page reads the store through ``store.queries`` on a read-only engine.
The one write is the guardrail's audit row when someone clicks a blocked action.
"""

import streamlit as st

from dashboard import data, render
from store.config import ConfigError

st.set_page_config(
    page_title="QuietWatch",
    # A local image: a ":material/...:" page icon makes the browser fetch it from Google.
    page_icon=render.page_icon(),
    layout="wide",
    initial_sidebar_state="expanded",
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
        st.markdown("**QuietWatch** · read-only")
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
        st.caption(
            f"Data cached for {ctx.dashboard.cache_ttl_seconds} s. Reviewer names: "
            + ("initials only." if ctx.dashboard.reviewer_names == "initials" else "as shown.")
        )
        st.button("Refresh data", key="refresh", icon=":material/refresh:", on_click=_refresh)


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
    _sidebar()
    navigation.run()


main()
