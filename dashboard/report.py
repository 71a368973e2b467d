"""Exports for compliance: CSV files and a printable HTML report.

The report is a self-contained HTML page a compliance officer can print or file.  Every
value in it is HTML-escaped, and its Content-Security-Policy forbids scripts and any
load from anywhere, so review text quoted in it stays inert even when opened in a browser.
"""

import csv
import html
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from dashboard import labels, render
from store.models import AuditRead, CaseEntryRead, ClinicRead, FindingRead

FINDING_COLUMNS = [
    "id",
    "kind",
    "category",
    "rule_id",
    "severity",
    "site",
    "source_url",
    "listing_id",
    "review_id",
    "excerpt",
    "explanation",
    "guidance",
    "first_seen_at",
    "last_seen_at",
    "case_status",
    "case_at",
    "case_user",
    "case_history",
]
AUDIT_COLUMNS = [
    "id",
    "at",
    "action_id",
    "rule_set",
    "rule_version",
    "origin",
    "user",
    "clinic_id",
    "target",
    "detail",
]


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    text = render.clean(value)
    # Spreadsheet formula injection: a cell starting with = + - @ would be evaluated.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def to_csv(
    rows: Iterable[SQLModel], columns: Sequence[str], extra: Callable[[Any], dict] | None = None
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        values = {**row.model_dump(), **(extra(row) if extra else {})}
        writer.writerow([_cell(values.get(c)) for c in columns])
    return buffer.getvalue()


def case_history(entries: Iterable[CaseEntryRead]) -> str:
    """A finding's case log in one cell: "<when> <what happened> (<who>): <note>" per line."""
    return "\n".join(
        f"{render.when(e.at)} {labels.case_status(e.status)} ({e.user or 'unknown'})"
        + (f": {e.note}" if e.note else "")
        for e in entries
    )


def _by_finding(case_log: Iterable[CaseEntryRead]) -> dict[int, list[CaseEntryRead]]:
    grouped: dict[int, list[CaseEntryRead]] = {}
    for entry in case_log:
        grouped.setdefault(entry.finding_id, []).append(entry)
    return grouped


def findings_csv(findings: Iterable[FindingRead], case_log: Iterable[CaseEntryRead] = ()) -> str:
    """Every finding with its case: the latest status and the whole history."""
    grouped = _by_finding(case_log)
    return to_csv(
        findings,
        FINDING_COLUMNS,
        lambda f: {"case_history": case_history(grouped.get(f.id, []))},
    )


def audit_csv(entries: Iterable[AuditRead]) -> str:
    return to_csv(entries, AUDIT_COLUMNS)


def _e(value: object) -> str:
    if isinstance(value, datetime):
        return html.escape(render.when(value))
    return html.escape(render.clean(value)) if value is not None else ""


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:Georgia,serif;margin:2cm;color:#111}
h1{font-size:20pt} h2{font-size:14pt;margin-top:1.5em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:9pt}
th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top;
white-space:pre-wrap;word-break:break-word}
th{background:#eee} .meta{color:#444;font-size:10pt}
@media print{body{margin:1cm} h2{page-break-after:avoid} tr{page-break-inside:avoid}}
"""


def printable_html(
    *,
    clinic: ClinicRead,
    findings: Sequence[FindingRead],
    audit: Sequence[AuditRead],
    generated_at: datetime,
    case_log: Sequence[CaseEntryRead] = (),
) -> str:
    """A compliance report: findings by kind with their case and its history, then the
    audit log of blocked attempts."""
    grouped = _by_finding(case_log)
    sections = []
    known = {kind for kinds in labels.FINDING_SECTIONS.values() for kind in kinds}
    titles = dict(labels.FINDING_SECTIONS)
    if any(f.kind not in known for f in findings):
        titles["Other findings"] = tuple({f.kind for f in findings if f.kind not in known})
    for title, kinds in titles.items():
        rows = [f for f in findings if f.kind in kinds]
        sections.append(f"<h2>{_e(title)} ({len(rows)})</h2>")
        if not rows:
            sections.append("<p>None.</p>")
            continue
        sections.append(
            _table(
                [
                    "Case",
                    "First seen",
                    "Site",
                    "Where",
                    "Rule",
                    "Excerpt",
                    "Explanation",
                    "History",
                ],
                (
                    [
                        labels.case_status(f.case_status),
                        f.first_seen_at,
                        labels.site(f.site),
                        f.source_url or (f"review {f.review_id}" if f.review_id else ""),
                        labels.rule(f.rule_id),
                        f.excerpt,
                        f.explanation,
                        case_history(grouped.get(f.id, [])),
                    ]
                    for f in rows
                ),
            )
        )
    sections.append(f"<h2>Audit log: blocked attempts and privacy records ({len(audit)})</h2>")
    sections.append(
        _table(
            ["When", "Action", "Rule set", "Version", "From", "User", "Target", "Detail"],
            (
                [
                    a.at,
                    labels.rule(a.action_id),
                    a.rule_set,
                    a.rule_version,
                    a.origin,
                    a.user,
                    a.target,
                    a.detail,
                ]
                for a in audit
            ),
        )
        if audit
        else "<p>No blocked attempts recorded.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>QuietWatch compliance report — {_e(clinic.name)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>QuietWatch compliance report</h1>"
        f"<p class='meta'>{_e(clinic.name)} · generated {_e(generated_at)} · "
        f"{len(findings)} finding(s), {len(audit)} audit entr{'y' if len(audit) == 1 else 'ies'}"
        "</p><p class='meta'>QuietWatch only reads. The clinic answers no review and asks no "
        "one for reviews or testimonials; the audit log lists every attempt to do so that "
        "QuietWatch refused.</p>" + "".join(sections) + "</body></html>"
    )
