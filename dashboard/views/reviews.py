"""Reviews: every review, filtered; click one to read it as the site showed it, its edit
history as a diff, its findings and their cases; the replies review software would offer,
shown blocked."""

import difflib
import json
import math
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from dashboard import data, guard, labels, render
from store.queries import ReviewFilter

PAGE_SIZE = 50
ANY, YES, NO = "Any", "Yes", "No"
TRISTATE = {ANY: None, YES: True, NO: False}

clinic = data.require_clinic()
ctx = data.context()
names = ctx.dashboard.reviewer_names

st.header("Reviews")


def _reset_page() -> None:
    st.session_state["reviews-page"] = 1
    st.query_params.pop("review", None)


def _day(value: date | None) -> datetime | None:
    return datetime.combine(value, time.min, tzinfo=ctx.zone).astimezone(UTC) if value else None


wanted_since = st.query_params.get("new_since")
if "reviews-new-since" not in st.session_state and wanted_since:
    try:
        st.session_state["reviews-new-since"] = date.fromisoformat(wanted_since)
        st.session_state["reviews-removed"] = NO
    except ValueError:
        pass

FILTERS = (
    "reviews-sites",
    "reviews-from",
    "reviews-to",
    "reviews-new",
    "reviews-new-since",
    "reviews-edited",
    "reviews-removed",
    "reviews-response",
)
filtering = any(st.session_state.get(k) not in (None, [], False, ANY) for k in FILTERS) or (
    st.session_state.get("reviews-rating", (0.0, 5.0)) != (0.0, 5.0)
)
with st.expander("Filters" + (" (some are set)" if filtering else ""), expanded=filtering):
    row = st.columns([3, 2, 1, 1])
    sites = row[0].multiselect(
        "Sites",
        data.load("review_sites", clinic_id=clinic.id),
        format_func=labels.site,
        key="reviews-sites",
        on_change=_reset_page,
        placeholder="Every site",
    )
    low, high = row[1].slider(
        "Rating",
        min_value=0.0,
        max_value=5.0,
        value=(0.0, 5.0),
        step=0.5,
        key="reviews-rating",
        on_change=_reset_page,
    )
    date_from = row[2].date_input(
        "Published from", value=None, key="reviews-from", on_change=_reset_page, format="YYYY-MM-DD"
    )
    date_to = row[3].date_input(
        "Published to", value=None, key="reviews-to", on_change=_reset_page, format="YYYY-MM-DD"
    )
    row = st.columns(5)
    new_only = row[0].checkbox(
        "Only new in the latest crawl", key="reviews-new", on_change=_reset_page
    )
    new_since = row[1].date_input(
        "New since", value=None, key="reviews-new-since", on_change=_reset_page, format="YYYY-MM-DD"
    )
    edited = row[2].selectbox("Edited", list(TRISTATE), key="reviews-edited", on_change=_reset_page)
    removed = row[3].selectbox(
        "Removed from the site", list(TRISTATE), key="reviews-removed", on_change=_reset_page
    )
    response = row[4].selectbox(
        "Owner response", list(TRISTATE), key="reviews-response", on_change=_reset_page
    )

flt = ReviewFilter(
    sites=tuple(sites),
    min_rating=low if low > 0 else None,
    max_rating=high if high < 5 else None,
    published_from=_day(date_from),
    published_to=_day(date_to + timedelta(days=1)) if date_to else None,
    published_from_day=date_from,
    published_to_day=date_to + timedelta(days=1) if date_to else None,
    new_in_latest_crawl=new_only,
    new_since=_day(new_since),
    edited=TRISTATE[edited],
    removed=TRISTATE[removed],
    has_owner_response=TRISTATE[response],
)

total = data.load("count_reviews", clinic_id=clinic.id, flt=flt)
pages = max(1, math.ceil(total / PAGE_SIZE))
if st.session_state.get("reviews-page", 1) > pages:
    st.session_state["reviews-page"] = pages
cols = st.columns([1, 3], vertical_alignment="bottom")
# No ``value=``: the page number lives in session state (reset by the filters' callbacks).
page = cols[0].number_input("Page", min_value=1, max_value=pages, step=1, key="reviews-page")
cols[1].caption(
    f"{total:,} review(s) match; page {page} of {pages}, {PAGE_SIZE} per page. "
    "Click a row to read the review."
)

rows = data.load(
    "review_page", clinic_id=clinic.id, flt=flt, offset=(int(page) - 1) * PAGE_SIZE, limit=PAGE_SIZE
)


def _status(r) -> str:  # type: ignore[no-untyped-def]
    parts = []
    if r.owner_response:
        parts.append("Owner response")
    if r.removed_at:
        parts.append("Removed")
    if r.version_count > 1:
        parts.append(f"Edited ({r.version_count - 1}x)")
    return ", ".join(parts) or "As first seen"


selected = render.table(
    render.frame(
        (
            {
                "Rating": r.rating,
                "Status": _status(r),
                "Site": labels.site(r.site),
                "Published": render.stated_day(r.published_at, r.published_precision)
                or r.published_raw,
                "Text": r.text,
                "Author": render.author(r.author, names),
                "Title": r.title,
                "First seen": render.day(r.first_seen_at),
                "ID": r.id,
            }
            for r in rows
        ),
        ["Rating", "Status", "Site", "Published", "Text", "Author", "Title", "First seen", "ID"],
    ),
    key="reviews-table",
    columns={
        "Rating": st.column_config.NumberColumn(format="%.0f ★", width="small", pinned=True),
        "Status": st.column_config.TextColumn(width="small", pinned=True),
        "Site": st.column_config.TextColumn(width="small"),
        "Published": st.column_config.TextColumn(width="small"),
        "Text": st.column_config.TextColumn(width="large"),
        "ID": st.column_config.NumberColumn(format="%d", width="small"),
    },
    select=True,
)

wanted = st.query_params.get("review")
if selected is not None and selected < len(rows):
    review_id = rows[selected].id
elif wanted and wanted.isdigit():
    review_id = int(wanted)
else:
    review_id = rows[0].id if rows else None


def _diff(old: str | None, new: str | None) -> str:
    """Word-wrapped lines, '-' for what the edit took out and '+' for what it put in."""
    before = (old or "").replace(". ", ".\n").splitlines()
    after = (new or "").replace(". ", ".\n").splitlines()
    return "\n".join(line for line in difflib.ndiff(before, after) if not line.startswith("?"))


detail = data.load("review_detail", clinic_id=clinic.id, review_id=review_id) if review_id else None
if detail is not None:
    r = detail.review
    with st.container(border=True, key="review-detail"):
        st.subheader(f"The review, as {labels.site(r.site)} showed it", anchor=False)
        render.labelled("Author", render.author(r.author, names), empty="(not kept)")
        rating = f"{r.rating:g}" if r.rating is not None else None
        if rating and r.best_rating:
            rating += f" of {r.best_rating:g}"
        render.labelled("Rating", rating)
        render.labelled(
            "Published",
            f"{r.published_raw or ''} (precise to the {r.published_precision or 'day'})",
        )
        render.labelled("First seen", render.when(r.first_seen_at))
        if r.edited_at:
            render.labelled("Last edited", render.when(r.edited_at))
        if r.removed_at:
            render.labelled("Removed from the site", render.when(r.removed_at))
        render.labelled("Title", r.title)
        st.markdown("**Text**")
        render.text(r.text, empty="(erased or not given)")
        if r.owner_response:
            st.markdown("**Owner response shown on the site**")
            render.text(r.owner_response)
            st.warning(
                "The clinic does not respond to reviews. This response is a compliance "
                "finding: a breach, or someone posing as the clinic."
            )
    if detail.versions:
        st.markdown(f"**Edit history** ({len(detail.versions)} earlier version(s))")
        newer = [*detail.versions[1:], r]
        for i, (v, after) in enumerate(zip(detail.versions, newer, strict=True), start=1):
            with st.container(border=True, key=f"review-version-{i}"):
                render.labelled(
                    f"Version {i}", f"{render.when(v.valid_from)} to {render.when(v.valid_to)}"
                )
                render.labelled("Rating", f"{v.rating:g}" if v.rating is not None else None)
                render.labelled("Title", v.title)
                render.text(v.text)
                if v.owner_response:
                    render.labelled("Owner response", v.owner_response)
                st.caption("What the next version changed (− taken out, + put in):")
                st.code(_diff(v.text, after.text), language="diff", wrap_lines=True)
    findings = data.load("findings_of_review", clinic_id=clinic.id, review_id=r.id)
    if findings:
        st.markdown("**Compliance findings about this review**")
        for f in findings:
            cols = st.columns([4, 1], vertical_alignment="center")
            cols[0].markdown(
                f"{render.pill(labels.case_status(f.case_status), 'orange' if f.open else 'green')}"
                f" {render.md_escape(labels.finding_kind(f.kind))}"
            )
            with cols[1]:
                st.page_link(
                    "views/compliance.py",
                    label="Its case",
                    icon=":material/policy:",
                    query_params={"finding": str(f.id)},
                )
    listing = data.load("listing_of_clinic", clinic_id=clinic.id, listing_id=r.listing_id)
    cols = st.columns(2)
    if listing is not None and listing.url.startswith(("http://", "https://")):
        cols[0].link_button(
            f"Open the listing on {labels.site(listing.site)}",
            listing.url,
            icon=":material/open_in_new:",
        )
    record = data.load("review_record", review_id=r.id)
    cols[1].download_button(
        "This review's stored data (JSON)",
        json.dumps(record, indent=2, ensure_ascii=False),
        file_name=f"quietwatch-review-{r.id}.json",
        mime="application/json",
        key=f"export-review-{r.id}",
        on_click="ignore",
        help="Everything QuietWatch holds about this review (for an access request). "
        f"To erase it: quietwatch erase review {r.id}",
    )
    st.markdown("**What review software would let you do**")
    guard.review_actions(review_id=r.id, clinic_id=clinic.id)
st.caption(f"Times in {ctx.timezone}.")
data.ready("reviews")
