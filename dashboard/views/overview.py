"""Overview: what needs attention first, ranked, each with a link to the filtered page;
then per site what the listings say and what is new; across clinics, one row each."""

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from dashboard import data, guard, labels, render

clinic = data.require_clinic()
ctx = data.context()

st.header("Overview")
render.text(clinic.name)


def _since_default() -> date:
    wanted = st.query_params.get("since")
    try:
        return date.fromisoformat(wanted) if wanted else date.today() - timedelta(days=30)
    except ValueError:
        return date.today() - timedelta(days=30)


def _keep_since() -> None:
    chosen = st.session_state.get("overview-since")
    if chosen:
        st.query_params["since"] = chosen.isoformat()


if "overview-since" not in st.session_state:
    st.session_state["overview-since"] = _since_default()
since_day = st.session_state["overview-since"] or _since_default()
since = datetime.combine(since_day, time.min, tzinfo=ctx.zone).astimezone(UTC)
stale_before = datetime.now(UTC) - timedelta(hours=ctx.stale_after_hours)
# The rating trend's months: the last 24, this one included.
months = [
    (datetime.now(UTC).replace(day=1) - timedelta(days=31 * k)).strftime("%Y-%m")
    for k in range(23, -1, -1)
]
first_month = datetime.strptime(months[0] + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
# The page's queries at once (the first load after a start, or after the cache expires).
data.prefetch(
    ("open_finding_counts", {"clinic_id": clinic.id}),
    ("site_summaries", {"clinic_id": clinic.id, "since": since}),
    ("rating_over_time", {"clinic_id": clinic.id, "since": first_month}),
    comparisons_of=clinic,
)
counts = data.attention_counts(clinic, since=since, stale_before=stale_before)

# -- needs attention, ranked ----------------------------------------------------------------
# (rank, colour, count, what, page, query): critical first, then warnings, then news.
ITEMS = [
    (0, "red", counts["owner_response"], "open owner response(s) on review sites",
     "views/compliance.py", {"kind": "owner_response"}),
    (1, "red", counts["failing"], "source(s) failing: the latest crawl could not read them",
     "views/health.py", {}),
    (2, "orange", counts["disclosure"], "open review(s) that disclose too much",
     "views/compliance.py", {"kind": "disclosure"}),
    (3, "orange", counts["solicitation"], "open solicitation finding(s) in the clinic's own content",
     "views/compliance.py", {"kind": "solicitation"}),
    (4, "orange", counts["mismatched"], "listing(s) whose facts differ from the clinic's",
     "views/listings.py", {"only": "mismatched"}),
    (5, "orange", counts["overdue"],
     f"source(s) overdue: not read successfully for {ctx.stale_after_hours:g} hours",
     "views/health.py", {}),
    (6, "blue", counts["new"], f"new review(s) since {since_day.isoformat()}",
     "views/reviews.py", {"new_since": since_day.isoformat()}),
]  # fmt: skip
st.subheader("Needs attention")
with st.container(border=True, key="overview-attention"):
    pending = sorted((item for item in ITEMS if item[2]), key=lambda item: item[0])
    for _rank, colour, count, what, page, query in pending:
        row = st.columns([5, 2], vertical_alignment="center")
        row[0].markdown(f"{render.pill(f'{count:,}', colour)} {render.md_escape(what)}")
        with row[1]:
            st.page_link(
                page, label="Show them", icon=":material/arrow_forward:", query_params=query
            )
    if not pending:
        st.success("Nothing needs attention.")
    clear = [what for _r, _c, count, what, _p, _q in ITEMS if not count]
    if clear and pending:
        st.caption("None: " + "; ".join(render.md_escape(w.split(":")[0]) for w in clear) + ".")
st.date_input("New reviews since", key="overview-since", on_change=_keep_since, format="YYYY-MM-DD")

# -- several clinics in one store -----------------------------------------------------------
known = data.clinics()
if len(known) > 1:
    st.subheader("All clinics")
    rollup = []
    for other in known:
        c = data.attention_counts(other, since=since, stale_before=stale_before)
        rollup.append(
            {
                "Clinic": other.name,
                "Open findings": c["owner_response"] + c["disclosure"] + c["solicitation"],
                "Owner responses": c["owner_response"],
                "Mismatched listings": c["mismatched"],
                "New reviews": c["new"],
                "Failing sources": c["failing"],
                "Overdue sources": c["overdue"],
            }
        )
    render.table(
        render.frame(rollup, list(rollup[0])),
        key="overview-clinics",
        columns={"Clinic": st.column_config.TextColumn(pinned=True, width="medium")},
    )
    st.caption("Pick a clinic in the sidebar to see its pages.")

# -- per site -------------------------------------------------------------------------------
st.subheader("Per site")
sites = data.load("site_summaries", clinic_id=clinic.id, since=since)
held = sum(s.reviews_held for s in sites)
cols = st.columns(4)
cols[0].metric("Sites", len(sites))
cols[1].metric("Reviews held", f"{held:,}")
cols[2].metric(
    "New in the latest crawl",
    f"{sum(s.new_last_crawl for s in sites):,}",
    help="Reviews the latest crawl of their listing found that were not there before "
    "(what a listing's first crawl finds is not new).",
)
cols[3].metric(f"New since {since_day.isoformat()}", f"{sum(s.new_since for s in sites):,}")
if not sites:
    st.info("No listings yet. Add sources to the configuration and run `quietwatch crawl`.")
else:
    trend: dict[str, dict[str, float]] = {}
    for point in data.load("rating_over_time", clinic_id=clinic.id, since=first_month):
        trend.setdefault(point.site, {})[point.month] = point.average
    render.table(
        render.frame(
            (
                {
                    "Site": labels.site(s.site),
                    "Rating shown": s.rating,
                    "Reviews (site says)": s.stated_reviews,
                    "Reviews held": s.reviews_held,
                    "New since date": s.new_since,
                    "Average of held": s.average_held,
                    "Rating by month (24 months)": [
                        trend.get(s.site, {}).get(m) for m in months if m in trend.get(s.site, {})
                    ],
                    "Removed": s.removed,
                    "Listings": s.listings,
                    "Last successful crawl": render.when(s.last_success_at) or "never",
                }
                for s in sites
            ),
            [
                "Site",
                "Rating shown",
                "Reviews (site says)",
                "Reviews held",
                "New since date",
                "Average of held",
                "Rating by month (24 months)",
                "Removed",
                "Listings",
                "Last successful crawl",
            ],
        ),
        key="overview-sites",
        columns={
            "Site": st.column_config.TextColumn(pinned=True, width="medium"),
            "Rating shown": st.column_config.NumberColumn(format="%.1f ★", width="small"),
            "Average of held": st.column_config.NumberColumn(format="%.2f", width="small"),
            "Rating by month (24 months)": st.column_config.LineChartColumn(
                y_min=0, y_max=5, width="medium"
            ),
        },
    )
    st.caption(f"Times in {ctx.timezone}.")

st.subheader("Asking for reviews")
st.caption(
    "Review software offers these. QuietWatch does not: the clinic's code of ethics forbids "
    "soliciting testimonials."
)
guard.campaign_actions(place="overview", clinic_id=clinic.id)
data.ready("overview")
