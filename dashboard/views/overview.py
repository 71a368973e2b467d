"""Overview: per site, what the listings say and what is new; what needs attention."""

from datetime import UTC, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data, guard, render

clinic = data.require_clinic()
ctx = data.context()

st.header("Overview")
render.text(clinic.name)

default_since = (datetime.now(UTC) - timedelta(days=30)).date()
since_day = st.date_input("New reviews since", value=default_since, key="overview-since")
since = datetime.combine(since_day or default_since, time.min, tzinfo=UTC)

sites = data.load("site_summaries", clinic_id=clinic.id, since=since)

# -- totals -------------------------------------------------------------------------------
held = sum(s.reviews_held for s in sites)
new_last = sum(s.new_last_crawl for s in sites)
new_since = sum(s.new_since for s in sites)
cols = st.columns(4)
cols[0].metric("Sites", len(sites))
cols[1].metric("Reviews held", f"{held:,}")
cols[2].metric(
    "New in the latest crawl",
    f"{new_last:,}",
    help="Reviews first seen in the latest crawl of their listing.",
)
cols[3].metric(f"New since {since.date().isoformat()}", f"{new_since:,}")

st.subheader("Per site")
if not sites:
    st.info("No listings yet. Add sources to the configuration and run `quietwatch crawl`.")
else:
    render.table(
        render.frame(
            (
                {
                    "Site": s.site,
                    "Listings": s.listings,
                    "Rating shown": s.rating,
                    "Reviews (site says)": s.stated_reviews,
                    "Reviews held": s.reviews_held,
                    "Average of held": s.average_held,
                    "New in latest crawl": s.new_last_crawl,
                    "New since date": s.new_since,
                    "Removed": s.removed,
                    "Last successful crawl": render.when(s.last_success_at) or "never",
                }
                for s in sites
            ),
            [
                "Site",
                "Listings",
                "Rating shown",
                "Reviews (site says)",
                "Reviews held",
                "Average of held",
                "New in latest crawl",
                "New since date",
                "Removed",
                "Last successful crawl",
            ],
        ),
        key="overview-sites",
    )

# -- rating over time ---------------------------------------------------------------------
st.subheader("Rating over time")
points = data.load("rating_over_time", clinic_id=clinic.id)
if points:
    df = pd.DataFrame(
        {
            "site": [p.site for p in points],
            "month": pd.to_datetime([p.month + "-01" for p in points]),
            "average rating": [p.average for p in points],
            "reviews": [p.reviews for p in points],
        }
    )
    chart = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "yearmonth(month):T",
                title="Month (published)",
                axis=alt.Axis(format="%b %Y", tickCount="month"),
            ),
            y=alt.Y("average rating:Q", scale=alt.Scale(domain=[0, 5]), title="Average rating"),
            color=alt.Color("site:N", title="Site"),
            tooltip=[
                "site:N",
                alt.Tooltip("month:T", format="%Y-%m"),
                "average rating:Q",
                "reviews:Q",
            ],
        )
    )
    st.altair_chart(chart, width="stretch", key="overview-chart")
else:
    st.caption("No rated reviews yet.")

# -- needs attention ----------------------------------------------------------------------
st.subheader("Needs attention")
attention = 0
mismatched = [
    (listing, c) for listing, comps in data.comparisons(clinic) for c in comps if c.mismatch
]
if mismatched:
    attention += 1
    st.markdown(f"**Listing facts that differ from the clinic's** ({len(mismatched)})")
    render.table(
        render.frame(
            (
                {
                    "Listing": listing.id,
                    "Site": listing.site,
                    "Fact": c.fact,
                    "Clinic says": c.canonical,
                    "Listing says": c.listed,
                }
                for listing, c in mismatched
            ),
            ["Listing", "Site", "Fact", "Clinic says", "Listing says"],
        ),
        key="overview-mismatches",
        height=min(400, 40 + 35 * len(mismatched)),
    )
    st.caption("Side by side, with the normalised forms, on the Listings page.")

found = data.load("findings", clinic_id=clinic.id)
if found:
    attention += 1
    counts = pd.Series([f.kind for f in found]).value_counts()
    st.markdown(f"**Compliance findings** ({len(found)})")
    render.table(
        render.frame(
            ({"Kind": kind, "Findings": int(n)} for kind, n in counts.items()),
            ["Kind", "Findings"],
        ),
        key="overview-findings",
    )
    st.caption("Details, the audit log and exports on the Compliance page.")

stale_before = datetime.now(UTC) - timedelta(hours=ctx.stale_after_hours)
health = data.load("source_health", clinic_id=clinic.id, stale_before=stale_before)
failing = [h for h in health if h.failing or h.stale]
if failing:
    attention += 1
    st.markdown(f"**Sources failing or not crawled successfully in time** ({len(failing)})")
    render.table(
        render.frame(
            (
                {
                    "Listing": h.listing_id,
                    "Site": h.site,
                    "Latest status": h.last_check_status or h.last_status or "never crawled",
                    "Last success": render.when(h.last_success_at) or "never",
                    "Why": "failing" if h.failing else f"older than {ctx.stale_after_hours:g} h",
                }
                for h in failing
            ),
            ["Listing", "Site", "Latest status", "Last success", "Why"],
        ),
        key="overview-failing",
        height=min(400, 40 + 35 * len(failing)),
    )
if not attention:
    st.success("Nothing needs attention.")

st.subheader("Asking for reviews")
st.caption(
    "Review software offers these. QuietWatch does not: the clinic's code of ethics forbids "
    "soliciting testimonials."
)
guard.campaign_actions(place="overview", clinic_id=clinic.id)
