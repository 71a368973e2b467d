"""Crawl health: runs, durations, pages, errors, degraded and stale sources, problems."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from dashboard import data, labels, render

clinic = data.require_clinic()
ctx = data.context()

st.header("Crawl health")

recent = data.load("runs", clinic_id=clinic.id, limit=200)
stale_before = datetime.now(UTC) - timedelta(hours=ctx.stale_after_hours)
sources = data.load("source_health", clinic_id=clinic.id, stale_before=stale_before)
stale = [s for s in sources if s.stale]
failing = [s for s in sources if s.failing]
degraded = [r for r in recent if r.degraded_fields or r.status == "degraded"]

cols = st.columns(4)
cols[0].metric("Latest run", labels.run_status(recent[0].status) if recent else "none yet")
cols[1].metric("Sources", len(sources))
cols[2].metric("Failing sources", len(failing))
cols[3].metric(f"Not crawled successfully in {ctx.stale_after_hours:g} h", len(stale))

st.subheader("Runs")
if recent:
    render.table(
        render.frame(
            (
                {
                    "Status": labels.run_status(r.status),
                    "Errors": r.errors,
                    "Started": render.when(r.started_at),
                    "Source": labels.site(r.spider),
                    "Run": r.id,
                    "Trigger": labels.trigger(r.trigger),
                    "Duration (s)": round(r.duration_s, 1) if r.duration_s is not None else None,
                    "Pages": r.pages,
                    "Items": r.items,
                    "Listings": r.listings_checked,
                    "New": r.new_reviews,
                    "Changed": r.changed_reviews,
                    "Removed": r.removed_reviews,
                    "Refused requests": r.blocked,
                    "Full sweep": "yes" if r.full_sweep else "no",
                    "Message": r.message,
                }
                for r in recent
            ),
            [
                "Status",
                "Errors",
                "Started",
                "Source",
                "Run",
                "Trigger",
                "Duration (s)",
                "Pages",
                "Items",
                "Listings",
                "New",
                "Changed",
                "Removed",
                "Refused requests",
                "Full sweep",
                "Message",
            ],
        ),
        key="health-runs",
        columns={
            "Status": st.column_config.TextColumn(pinned=True, width="medium"),
            "Errors": st.column_config.NumberColumn(pinned=True, width="small"),
            "Run": st.column_config.NumberColumn(format="%d", width="small"),
            "Duration (s)": st.column_config.NumberColumn(format="%.1f", width="small"),
        },
        height=render.height_for(len(recent)),
    )
else:
    st.info("No crawl has run yet: `quietwatch crawl`.")

st.subheader("Degraded sources")
st.caption(
    "A source is degraded when fields it used to give have vanished (the site changed its "
    "pages, or hides them from crawlers): the reviews still come in, but incompletely."
)
if degraded:
    render.table(
        render.frame(
            (
                {
                    "Vanished fields": ", ".join(r.degraded_fields) or "(not recorded)",
                    "Status": labels.run_status(r.status),
                    "Started": render.when(r.started_at),
                    "Run": r.id,
                    "Coverage": ", ".join(f"{k}: {v}" for k, v in sorted(r.coverage.items())),
                }
                for r in degraded
            ),
            ["Vanished fields", "Status", "Started", "Run", "Coverage"],
        ),
        key="health-degraded",
        columns={"Vanished fields": st.column_config.TextColumn(pinned=True, width="medium")},
    )
else:
    st.caption("No degraded runs.")

st.subheader(f"Sources not crawled successfully for more than {ctx.stale_after_hours:g} hours")
st.caption(
    f"The schedule crawls every {ctx.crawl.interval_hours:g} hours; a source without a "
    f"successful crawl for {ctx.stale_after_hours:g} hours is overdue."
)


def _sources_table(rows: list, key: str, empty: str) -> None:  # type: ignore[type-arg]
    if not rows:
        st.caption(empty)
        return
    render.table(
        render.frame(
            (
                {
                    "Latest status": labels.listing_status(s.last_check_status or s.last_status),
                    "Site": labels.site(s.site),
                    "Last success": render.when(s.last_success_at) or "never",
                    "Message": s.last_check_message,
                    "Last attempt": render.when(s.last_crawled_at) or "never",
                    "Shortfall": s.shortfall,
                    "Listing": s.listing_id,
                    "URL": s.url,
                }
                for s in rows
            ),
            [
                "Latest status",
                "Site",
                "Last success",
                "Message",
                "Last attempt",
                "Shortfall",
                "Listing",
                "URL",
            ],
        ),
        key=key,
        columns={
            "Latest status": st.column_config.TextColumn(pinned=True, width="medium"),
            "Site": st.column_config.TextColumn(pinned=True, width="small"),
            "Listing": st.column_config.NumberColumn(format="%d", width="small"),
        },
    )


_sources_table(stale, "health-stale", "Every source was crawled successfully in time.")

st.subheader("Failing sources")
_sources_table(failing, "health-failing", "The latest attempt read every source.")

st.subheader("Problems")
found = data.load("problems", clinic_id=clinic.id, limit=200)
if found:
    render.table(
        render.frame(
            (
                {
                    "Problem": labels.problem(p.kind),
                    "Message": p.message,
                    "Site": labels.site(p.site),
                    "When": render.when(p.at),
                    "Run": p.run_id,
                    "URL": p.url,
                }
                for p in found
            ),
            ["Problem", "Message", "Site", "When", "Run", "URL"],
        ),
        key="health-problems",
        columns={
            "Problem": st.column_config.TextColumn(pinned=True, width="medium"),
            "Message": st.column_config.TextColumn(width="large"),
            "Run": st.column_config.NumberColumn(format="%d", width="small"),
        },
        height=render.height_for(len(found)),
    )
else:
    st.caption("No problems recorded.")
st.caption(f"Times in {ctx.timezone}.")
data.ready("health")
