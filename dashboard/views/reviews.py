"""Reviews: every review, filtered; full text; edit history; the replies review software
would offer, shown blocked."""

import math
from datetime import UTC, datetime, time, timedelta

import streamlit as st

from dashboard import data, guard, render
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


with st.container(border=True):
    row = st.columns([3, 2, 1, 1])
    sites = row[0].multiselect(
        "Sites",
        data.load("review_sites", clinic_id=clinic.id),
        key="reviews-sites",
        on_change=_reset_page,
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
        "Published from", value=None, key="reviews-from", on_change=_reset_page
    )
    date_to = row[3].date_input("Published to", value=None, key="reviews-to", on_change=_reset_page)
    row = st.columns(4)
    new_only = row[0].checkbox(
        "Only new in the latest crawl", key="reviews-new", on_change=_reset_page
    )
    edited = row[1].selectbox("Edited", list(TRISTATE), key="reviews-edited", on_change=_reset_page)
    removed = row[2].selectbox(
        "Removed", list(TRISTATE), key="reviews-removed", on_change=_reset_page
    )
    response = row[3].selectbox(
        "Has owner response", list(TRISTATE), key="reviews-response", on_change=_reset_page
    )

flt = ReviewFilter(
    sites=tuple(sites),
    min_rating=low if low > 0 else None,
    max_rating=high if high < 5 else None,
    published_from=datetime.combine(date_from, time.min, tzinfo=UTC) if date_from else None,
    published_to=(
        datetime.combine(date_to, time.min, tzinfo=UTC) + timedelta(days=1) if date_to else None
    ),
    new_in_latest_crawl=new_only,
    edited=TRISTATE[edited],
    removed=TRISTATE[removed],
    has_owner_response=TRISTATE[response],
)

total = data.load("count_reviews", clinic_id=clinic.id, flt=flt)
pages = max(1, math.ceil(total / PAGE_SIZE))
if st.session_state.get("reviews-page", 1) > pages:
    st.session_state["reviews-page"] = pages
cols = st.columns([1, 3])
# No ``value=``: the page number lives in session state (reset by the filters' callbacks).
page = cols[0].number_input("Page", min_value=1, max_value=pages, step=1, key="reviews-page")
cols[1].caption(f"{total:,} review(s) match; page {page} of {pages}, {PAGE_SIZE} per page.")

rows = data.load(
    "review_page", clinic_id=clinic.id, flt=flt, offset=(int(page) - 1) * PAGE_SIZE, limit=PAGE_SIZE
)


def _status(r) -> str:  # type: ignore[no-untyped-def]
    parts = []
    if r.removed_at:
        parts.append("removed")
    if r.version_count > 1:
        parts.append(f"edited ({r.version_count - 1}x)")
    if r.owner_response:
        parts.append("owner response")
    return ", ".join(parts)


render.table(
    render.frame(
        (
            {
                "ID": r.id,
                "Site": r.site,
                "Published": render.day(r.published_at) or r.published_raw,
                "Rating": r.rating,
                "Author": render.author(r.author, names),
                "Title": r.title,
                "Text": r.text,
                "Status": _status(r),
                "First seen": render.day(r.first_seen_at),
            }
            for r in rows
        ),
        ["ID", "Site", "Published", "Rating", "Author", "Title", "Text", "Status", "First seen"],
    ),
    key="reviews-table",
)

if rows:
    by_id = {r.id: r for r in rows}
    if st.session_state.get("reviews-detail") not in by_id:
        st.session_state["reviews-detail"] = rows[0].id
    review_id = st.selectbox(
        "Review",
        options=list(by_id),
        format_func=lambda rid: (
            f"#{rid} · {by_id[rid].site} · {render.day(by_id[rid].published_at) or 'undated'}"
        ),
        key="reviews-detail",
    )
    detail = data.load("review_detail", clinic_id=clinic.id, review_id=review_id)
    if detail is not None:
        r = detail.review
        with st.container(border=True, key="review-detail"):
            render.labelled("Site", r.site)
            render.labelled("Author", render.author(r.author, names))
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
            render.text(r.text)
            if r.owner_response:
                st.markdown("**Owner response shown on the site**")
                render.text(r.owner_response)
                st.warning(
                    "The clinic does not respond to reviews. This response is a compliance "
                    "finding: a breach, or someone posing as the clinic."
                )
        if detail.versions:
            st.markdown(f"**Edit history** ({len(detail.versions)} earlier version(s))")
            for i, v in enumerate(detail.versions, start=1):
                with st.container(border=True, key=f"review-version-{i}"):
                    render.labelled(
                        f"Version {i}",
                        f"{render.when(v.valid_from)} to {render.when(v.valid_to)}",
                    )
                    render.labelled("Rating", f"{v.rating:g}" if v.rating is not None else None)
                    render.labelled("Title", v.title)
                    render.text(v.text)
                    if v.owner_response:
                        render.labelled("Owner response", v.owner_response)
        st.markdown("**What review software would let you do**")
        guard.review_actions(review_id=r.id, clinic_id=clinic.id)
