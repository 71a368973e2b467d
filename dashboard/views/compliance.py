"""Compliance: owner responses, solicitation in own content, disclosures, the audit log,
and exports (CSV and a printable report)."""

from datetime import UTC, datetime

import streamlit as st

from dashboard import data, guard, render, report

clinic = data.require_clinic()

st.header("Compliance")
st.caption(
    "The clinic answers no review and asks no one for reviews or testimonials. Anything "
    "below is something to look into, never something to reply to."
)

found = data.load("findings", clinic_id=clinic.id)
audit = data.load("audit_log", clinic_id=clinic.id)

cols = st.columns(4)
cols[0].metric("Owner responses", sum(f.kind == "owner_response" for f in found))
cols[1].metric(
    "Solicitation in own content",
    sum(f.kind in ("solicitation", "write_review_link", "review_markup") for f in found),
)
cols[2].metric("Disclosures", sum(f.kind == "disclosure" for f in found))
cols[3].metric("Blocked attempts", len(audit))


def _findings_table(kinds: tuple[str, ...], key: str, empty: str) -> None:
    rows = [f for f in found if f.kind in kinds]
    if not rows:
        st.caption(empty)
        return
    render.table(
        render.frame(
            (
                {
                    "First seen": render.when(f.first_seen_at),
                    "Last seen": render.when(f.last_seen_at),
                    "Kind": f.kind,
                    "Site": f.site,
                    "Where": f.source_url or (f"review {f.review_id}" if f.review_id else ""),
                    "Category": f.category,
                    "Rule": f.rule_id,
                    "Excerpt": f.excerpt,
                    "Explanation": f.explanation,
                    "Guidance": f.guidance,
                }
                for f in rows
            ),
            [
                "First seen",
                "Last seen",
                "Kind",
                "Site",
                "Where",
                "Category",
                "Rule",
                "Excerpt",
                "Explanation",
                "Guidance",
            ],
        ),
        key=key,
    )


st.subheader("Owner responses found on review sites")
st.caption(
    "The clinic never responds, so a response means a breach or someone posing as the clinic."
)
_findings_table(("owner_response",), "compliance-responses", "No owner responses found.")

st.subheader("Solicitation in the clinic's own content")
_findings_table(
    ("solicitation", "write_review_link", "review_markup"),
    "compliance-solicitation",
    "Nothing found in the clinic's website, blog or feeds.",
)

st.subheader("Reviews that disclose too much")
st.caption(
    "A review may reveal a client's identity or health details. The clinic does not reply; "
    "where the site's rules allow, use the site's own reporting route."
)
_findings_table(("disclosure",), "compliance-disclosures", "No disclosures flagged.")

st.subheader("Audit log: blocked attempts")
if audit:
    render.table(
        render.frame(
            (
                {
                    "When": render.when(a.at),
                    "Action": a.action_id,
                    "Rule set": a.rule_set,
                    "Version": a.rule_version,
                    "From": a.origin,
                    "User": a.user,
                    "Target": a.target,
                    "Detail": a.detail,
                }
                for a in audit
            ),
            ["When", "Action", "Rule set", "Version", "From", "User", "Target", "Detail"],
        ),
        key="compliance-audit",
    )
else:
    st.caption("No blocked attempts recorded.")

st.subheader("Export")
now = datetime.now(UTC)
stamp = now.strftime("%Y%m%d")
cols = st.columns(3)
cols[0].download_button(
    "Findings (CSV)",
    report.findings_csv(found),
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
    report.printable_html(clinic=clinic, findings=found, audit=audit, generated_at=now),
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
