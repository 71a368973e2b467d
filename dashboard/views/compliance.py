"""Compliance: every finding with its case (open until someone records that it is dealt
with), the case log, the audit log, and exports (CSV and a printable report)."""

from datetime import UTC, datetime

import streamlit as st

from dashboard import caselog, data, guard, labels, render, report

clinic = data.require_clinic()

st.header("Compliance")
st.caption(
    "The clinic answers no review and asks no one for reviews or testimonials. Anything "
    "below is something to look into, never something to reply to."
)

chain = data.audit_chain()
if not chain.ok:
    st.error(
        "The audit log does not hold: "
        + chain.message
        + ". Someone changed the database behind QuietWatch's back. Keep the database and "
        "its head file as they are, and tell whoever is responsible for the clinic's records "
        "(`quietwatch audit --verify` gives the same answer; `quietwatch init` restores the "
        "database's guards).",
        icon=":material/gpp_bad:",
    )

found = data.load("findings", clinic_id=clinic.id)
audit = data.load("audit_log", clinic_id=clinic.id)
open_found = [f for f in found if f.open]

cols = st.columns(4)
cols[0].metric("Open owner responses", sum(f.kind == "owner_response" for f in open_found))
cols[1].metric("Open disclosures", sum(f.kind == "disclosure" for f in open_found))
cols[2].metric(
    "Open: solicitation in own content",
    sum(
        f.kind in labels.FINDING_SECTIONS["Solicitation in the clinic's own content"]
        for f in open_found
    ),
)
cols[3].metric("Audit log entries", len(audit))

# -- the findings, filtered (the Overview links here with ?kind=...) ----------------------
SHOW = {
    "all": "Every kind",
    **{kinds[0]: title for title, kinds in labels.FINDING_SECTIONS.items()},
}
if "compliance-kind" not in st.session_state:
    wanted = st.query_params.get("kind")
    st.session_state["compliance-kind"] = wanted if wanted in SHOW else "all"
row = st.columns([3, 1])
kind = row[0].segmented_control(
    "Findings", list(SHOW), format_func=SHOW.get, key="compliance-kind", required=True
)
closed_too = row[1].toggle("Closed ones too", key="compliance-closed")
kinds = next((k for k in labels.FINDING_SECTIONS.values() if k[0] == kind), None)
shown = [f for f in (found if closed_too else open_found) if kinds is None or f.kind in kinds]
shown.sort(key=lambda f: (f.severity != "critical", not f.open, -f.id))

st.subheader(f"Findings ({len(shown)})")
if not shown:
    st.caption("No open findings of this kind." if not closed_too else "No findings of this kind.")
selected = render.table(
    render.frame(
        (
            {
                "Case": labels.case_status(f.case_status),
                "Severity": labels.severity(f.severity),
                "Kind": labels.finding_kind(f.kind),
                "Excerpt": f.excerpt,
                "Site": labels.site(f.site) or "Own website",
                "First seen": render.when(f.first_seen_at),
                "Explanation": f.explanation,
                "Rule": labels.rule(f.rule_id),
                "ID": f.id,
            }
            for f in shown
        ),
        ["Case", "Severity", "Kind", "Excerpt", "Site", "First seen", "Explanation", "Rule", "ID"],
    ),
    key="compliance-findings",
    columns={
        "Case": st.column_config.TextColumn(width="small", pinned=True),
        "Severity": st.column_config.TextColumn(width="small", pinned=True),
        "Kind": st.column_config.TextColumn(width="medium"),
        "Excerpt": st.column_config.TextColumn(width="large"),
        "Site": st.column_config.TextColumn(width="small"),
        "First seen": st.column_config.TextColumn(width="small"),
        "ID": st.column_config.NumberColumn(width="small", format="%d"),
    },
    height=render.height_for(len(shown)),
    select=True,
)
st.caption(f"Times in {data.context().timezone}. Click a row to see the finding and its case.")

wanted_id = st.query_params.get("finding")
by_id = {f.id: f for f in found}
finding = shown[selected] if selected is not None and selected < len(shown) else None
if finding is None and wanted_id and wanted_id.isdigit():
    finding = by_id.get(int(wanted_id))
if finding is not None:
    with st.container(border=True, key="finding-detail"):
        st.markdown(
            f"**{render.md_escape(labels.finding_kind(finding.kind))}** · "
            + render.pill(
                labels.case_status(finding.case_status), "orange" if finding.open else "green"
            )
            + " "
            + render.pill(
                labels.severity(finding.severity),
                "red" if finding.severity == "critical" else "orange",
            )
        )
        render.labelled("Site", labels.site(finding.site) or "The clinic's own website")
        render.labelled("Where", finding.source_url)
        render.labelled("First seen", render.when(finding.first_seen_at))
        render.labelled("Rule", labels.rule(finding.rule_id))
        st.markdown("**Excerpt**")
        render.text(finding.excerpt, empty="(erased or not recorded)")
        st.markdown("**Why it matters**")
        render.text(finding.explanation)
        if finding.guidance:
            st.markdown("**What to do**")
            render.text(finding.guidance)
        if finding.review_id:
            st.page_link(
                "views/reviews.py",
                label="Open the review",
                icon=":material/reviews:",
                query_params={"review": str(finding.review_id)},
            )
        st.markdown("**Case log**")
        caselog.history(finding, clinic_id=clinic.id, key=f"case-history-{finding.id}")
        caselog.form(finding, key=f"case-{finding.id}")

st.subheader("Audit log")
st.caption(
    "Every blocked attempt, from the dashboard, the command line or the crawler, and every "
    "privacy purge or erasure. Nothing can change or delete an entry."
)
if audit:
    render.table(
        render.frame(
            (
                {
                    "Entry": a.id,
                    "When": render.when(a.at),
                    "What": labels.rule(a.action_id),
                    "From": labels.origin(a.origin),
                    "User": a.user,
                    "Target": a.target,
                    "Rule set": f"{a.rule_set} {a.rule_version}",
                    "Detail": a.detail,
                }
                for a in audit
            ),
            ["Entry", "When", "What", "From", "User", "Target", "Rule set", "Detail"],
        ),
        key="compliance-audit",
        columns={
            "Entry": st.column_config.NumberColumn(width="small", format="%d", pinned=True),
            "What": st.column_config.TextColumn(width="medium"),
        },
        height=render.height_for(len(audit)),
    )
else:
    st.caption("No blocked attempts recorded.")

st.subheader("Export")
now = datetime.now(UTC)
stamp = now.strftime("%Y%m%d")
history = data.load("case_log", clinic_id=clinic.id)
cols = st.columns(3)
cols[0].download_button(
    "Findings and their cases (CSV)",
    report.findings_csv(found, history),
    file_name=f"quietwatch-findings-{stamp}.csv",
    mime="text/csv",
    key="export-findings",
    on_click="ignore",
)
cols[1].download_button(
    "Audit log (CSV)",
    report.audit_csv(audit),
    file_name=f"quietwatch-audit-{stamp}.csv",
    mime="text/csv",
    key="export-audit",
    on_click="ignore",
)
cols[2].download_button(
    "Printable report (HTML)",
    report.printable_html(
        clinic=clinic, findings=found, audit=audit, generated_at=now, case_log=history
    ),
    file_name=f"quietwatch-compliance-report-{stamp}.html",
    mime="text/html",
    key="export-report",
    on_click="ignore",
)
st.caption("Open the report in a browser and print it, or file it as it is.")

st.subheader("Publishing reviews")
st.caption(
    "Review software offers widgets and testimonial pages. QuietWatch does not: republishing "
    "a client's words advertises with them and confirms they are a client."
)
guard.publish_actions(place="compliance", clinic_id=clinic.id)
data.ready("compliance")
