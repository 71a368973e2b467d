"""Listings: each listing's facts against the clinic's, side by side; history; discoveries."""

import streamlit as st

from dashboard import data, guard, render

clinic = data.require_clinic()

st.header("Listings")

st.subheader("The clinic's facts")
render.labelled("Name", clinic.name)
render.labelled(
    "Address",
    ", ".join(
        p for p in (clinic.street_address, clinic.city, clinic.province, clinic.postal_code) if p
    ),
)
render.labelled("Phone", clinic.phone)
render.labelled("Website", clinic.website)
st.caption("From the configuration file. Every listing is compared with these.")

compared = data.comparisons(clinic)
sites = sorted({listing.site for listing, _ in compared})
cols = st.columns([2, 1])
chosen_sites = cols[0].multiselect("Sites", sites, key="listings-sites")
only_mismatched = cols[1].checkbox("Only listings with mismatches", key="listings-mismatched")

shown = [
    (listing, comps)
    for listing, comps in compared
    if (not chosen_sites or listing.site in chosen_sites)
    and (not only_mismatched or any(c.mismatch for c in comps))
]

st.subheader(f"Listings ({len(shown)})")
render.table(
    render.frame(
        (
            {
                "ID": listing.id,
                "Site": listing.site,
                "Name": listing.name,
                "Address": next(c.listed for c in comps if c.fact == "address"),
                "Phone": listing.phone,
                "Website": listing.website,
                "Rating": listing.rating,
                "Reviews (site says)": listing.review_count,
                "Mismatches": ", ".join(c.fact for c in comps if c.mismatch) or "none",
                "Last success": render.when(listing.last_success_at) or "never",
                "Status": listing.last_status or "",
                "URL": listing.url,
            }
            for listing, comps in shown
        ),
        [
            "ID",
            "Site",
            "Name",
            "Address",
            "Phone",
            "Website",
            "Rating",
            "Reviews (site says)",
            "Mismatches",
            "Last success",
            "Status",
            "URL",
        ],
    ),
    key="listings-table",
)

if shown:
    by_id = {listing.id: (listing, comps) for listing, comps in shown}
    first_mismatched = next(
        (lid for lid, (_, comps) in by_id.items() if any(c.mismatch for c in comps)),
        next(iter(by_id)),
    )
    if st.session_state.get("listings-detail") not in by_id:
        st.session_state["listings-detail"] = first_mismatched
    listing_id = st.selectbox(
        "Listing",
        options=list(by_id),
        format_func=lambda lid: f"#{lid} · {by_id[lid][0].site}",
        key="listings-detail",
    )
    listing, comps = by_id[listing_id]

    st.subheader("Side by side")
    st.caption(
        "Phone numbers and addresses are normalised before comparing (E.164 phone numbers; "
        "street abbreviations, unit numbers, province names and postal-code spacing). "
        "A fact the listing does not state is not called a mismatch."
    )
    render.table(
        render.frame(
            (
                {
                    "Fact": c.fact,
                    "Clinic says": c.canonical,
                    "Listing says": c.listed if c.stated else "(not stated)",
                    "Clinic, normalised": c.canonical_normalised,
                    "Listing, normalised": c.listed_normalised,
                    "Result": "MISMATCH" if c.mismatch else ("same" if c.stated else "—"),
                }
                for c in comps
            ),
            [
                "Fact",
                "Clinic says",
                "Listing says",
                "Clinic, normalised",
                "Listing, normalised",
                "Result",
            ],
        ),
        key="listings-compare",
    )
    st.caption(
        "QuietWatch does not change listings. Correct a wrong fact through the site's own "
        "business-owner tools."
    )

    guard.listing_actions(listing_id=listing.id, clinic_id=clinic.id)

    st.subheader("Change history")
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
            [f for f in fields if getattr(snap, f) != getattr(older, f)]
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
                "Region": snap.region,
                "Postal code": snap.postal_code,
                "Phone": snap.phone,
                "Website": snap.website,
                "Rating": snap.rating,
                "Reviews": snap.review_count,
            }
        )
    if rows:
        render.table(render.frame(rows, list(rows[0])), key="listings-history")
    else:
        st.caption("No facts captured for this listing yet.")

st.subheader("Found, not yet confirmed")
discovered = data.load("listings", clinic_id=clinic.id, origins=("discovered",))
if discovered:
    st.caption(
        "A search found these pages. They are not the clinic's until a person confirms them. "
        "Confirming or dismissing is done on the command line:"
    )
    render.table(
        render.frame(
            (
                {
                    "ID": d.id,
                    "Site": d.site,
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
