"""Listings: each listing's verdict first (do its facts match the clinic's?), then its facts;
click a row for the side-by-side comparison, its history and a link to the page; listings
a search found that nobody has confirmed yet."""

from typing import Any

import streamlit as st

from dashboard import data, guard, labels, render

clinic = data.require_clinic()
ctx = data.context()

st.header("Listings")

with st.expander("The clinic's facts (from the configuration)"):
    render.labelled("Name", clinic.name)
    render.labelled(
        "Address",
        ", ".join(
            p
            for p in (clinic.street_address, clinic.city, clinic.province, clinic.postal_code)
            if p
        ),
    )
    render.labelled("Phone", clinic.phone)
    render.labelled("Website", clinic.website)
    st.caption("Every listing is compared with these.")

compared = data.comparisons(clinic)
sites = sorted({listing.site for listing, _ in compared})
if "listings-mismatched" not in st.session_state:
    st.session_state["listings-mismatched"] = st.query_params.get("only") == "mismatched"
cols = st.columns([2, 1], vertical_alignment="bottom")
chosen_sites = cols[0].multiselect(
    "Sites", sites, format_func=labels.site, key="listings-sites", placeholder="Every site"
)
only_mismatched = cols[1].checkbox("Only listings that differ", key="listings-mismatched")

shown = [
    (listing, comps)
    for listing, comps in compared
    if (not chosen_sites or listing.site in chosen_sites)
    and (not only_mismatched or any(c.mismatch for c in comps))
]
shown.sort(key=lambda lc: (not any(c.mismatch for c in lc[1]), lc[0].site, lc[0].id))


def _verdict(listing, comps) -> str:  # type: ignore[no-untyped-def]
    differs = [labels.fact(c.fact).lower() for c in comps if c.mismatch]
    if differs:
        return "Differs: " + ", ".join(differs)
    if listing.captured_at is None:
        return "Not read yet"
    return "Matches"


_TAG_COLOURS = {"Differs": "#c62828", "Matches": "#2e7d32", "Same": "#2e7d32"}  # else grey


def _tag_column(values: list[str], *, width: str) -> Any:
    """A verdict column shown as coloured tags: red when a listing (or a fact) differs,
    green when it matches, grey when it is not read or not stated.  Each cell holds one tag.
    (Tags, not a pandas Styler: styling each cell of a thousand-row table cost the browser
    about half a second.)"""
    options = sorted(set(values))
    return st.column_config.MultiselectColumn(
        options=options,
        color=[_TAG_COLOURS.get(v.split(":")[0], "#757575") for v in options],
        pinned=True,
        width=width,  # type: ignore[arg-type]
    )


st.subheader(f"Listings ({len(shown)})")
df = render.frame(
    (
        {
            "Verdict": [_verdict(listing, comps)],  # one tag
            "Site": labels.site(listing.site),
            "Status": labels.listing_status(listing.last_status),
            "Name": listing.name,
            "Phone": listing.phone,
            "Address": next(c.listed for c in comps if c.fact == "address"),
            "Website": next(c.listed for c in comps if c.fact == "website"),
            "Rating": listing.rating,
            "Reviews (site says)": listing.review_count,
            "Last success": render.when(listing.last_success_at) or "never",
            "ID": listing.id,
        }
        for listing, comps in shown
    ),
    [
        "Verdict",
        "Site",
        "Status",
        "Name",
        "Phone",
        "Address",
        "Website",
        "Rating",
        "Reviews (site says)",
        "Last success",
        "ID",
    ],
)
selected = render.table(
    df,
    key="listings-table",
    columns={
        "Verdict": _tag_column([tags[0] for tags in df["Verdict"]], width="medium"),
        "Site": st.column_config.TextColumn(pinned=True, width="small"),
        "Rating": st.column_config.NumberColumn(format="%.1f", width="small"),
        "ID": st.column_config.NumberColumn(format="%d", width="small"),
    },
    height=render.height_for(len(shown)),
    select=True,
)
st.caption(
    "Click a row to compare it side by side. Phone numbers and addresses are normalised "
    "before comparing; a fact the listing does not state is not called a difference."
)

if shown:
    index = selected if selected is not None and selected < len(shown) else 0
    listing, comps = shown[index]
    with st.container(border=True, key="listing-detail"):
        st.subheader(f"{labels.listing(listing.id, listing.site)}: side by side", anchor=False)
        results = [
            "Differs" if c.mismatch else ("Same" if c.stated else "Not stated") for c in comps
        ]
        render.table(
            render.frame(
                (
                    {
                        "Result": [result],  # one tag
                        "Fact": labels.fact(c.fact),
                        "The clinic says": c.canonical,
                        "The listing says": c.listed if c.stated else "",
                        "Clinic, normalised": c.canonical_normalised,
                        "Listing, normalised": c.listed_normalised,
                    }
                    for c, result in zip(comps, results, strict=True)
                ),
                [
                    "Result",
                    "Fact",
                    "The clinic says",
                    "The listing says",
                    "Clinic, normalised",
                    "Listing, normalised",
                ],
            ),
            key="listings-compare",
            columns={"Result": _tag_column(results, width="small")},
        )
        if listing.origin in ("configured", "confirmed") and listing.url.startswith(
            ("http://", "https://")
        ):
            st.link_button(
                f"Open the listing on {labels.site(listing.site)}",
                listing.url,
                icon=":material/open_in_new:",
            )
        st.caption(
            "QuietWatch does not change listings. Correct a wrong fact through the site's own "
            "business-owner tools."
        )
        guard.listing_actions(listing_id=listing.id, clinic_id=clinic.id)

        st.markdown("**Change history**")
        history = data.load("listing_history", listing_id=listing.id)
        fields = (
            "name",
            "street_address",
            "locality",
            "region",
            "postal_code",
            "phone",
            "website",
            "rating",
            "review_count",
            "hours",
            "categories",
        )
        rows = []
        for i, snap in enumerate(history):
            older = history[i + 1] if i + 1 < len(history) else None
            changed = (
                [f.replace("_", " ") for f in fields if getattr(snap, f) != getattr(older, f)]
                if older
                else ["first seen"]
            )
            rows.append(
                {
                    "Captured": render.when(snap.captured_at),
                    "Changed": ", ".join(changed),
                    "Name": snap.name,
                    "Street": snap.street_address,
                    "City": snap.locality,
                    "Phone": snap.phone,
                    "Website": snap.website,
                    "Rating": snap.rating,
                    "Reviews": snap.review_count,
                }
            )
        if rows:
            render.table(
                render.frame(rows, list(rows[0])),
                key="listings-history",
                columns={"Changed": st.column_config.TextColumn(pinned=True, width="medium")},
            )
        else:
            st.caption("No facts captured for this listing yet.")

st.subheader("Found, not yet confirmed")
discovered = data.load("listings", clinic_id=clinic.id, origins=("discovered",))
if discovered:
    st.caption(
        "A search found these pages. They are not the clinic's until a person confirms them "
        "on the command line:"
    )
    render.table(
        render.frame(
            (
                {
                    "ID": d.id,
                    "Site": labels.site(d.site),
                    "URL": d.url,
                    "Why we think it is the clinic": d.match_reason,
                    "Found": render.when(d.created_at),
                    "Confirm with": f"quietwatch listings confirm {d.id}",
                    "Dismiss with": f"quietwatch listings dismiss {d.id}",
                }
                for d in discovered
            ),
            [
                "ID",
                "Site",
                "URL",
                "Why we think it is the clinic",
                "Found",
                "Confirm with",
                "Dismiss with",
            ],
        ),
        key="listings-discovered",
        columns={"ID": st.column_config.NumberColumn(format="%d", width="small", pinned=True)},
    )
    st.code(
        "\n".join(
            f"quietwatch listings confirm {d.id}   # or: quietwatch listings dismiss {d.id}"
            for d in discovered
        ),
        language=None,
    )
else:
    st.caption("No discovered listings wait for a decision.")

dismissed = data.load("listings", clinic_id=clinic.id, origins=("dismissed",))
if dismissed:
    st.caption(f"{len(dismissed)} dismissed listing(s) are never proposed again.")
st.caption(f"Times in {ctx.timezone}.")
data.ready("listings")
