"""The compliance case log in the dashboard: a finding's history, and a form to add to it.

Each entry (acknowledged, reported through the site's route, not a breach, resolved) is an
append-only row in QuietWatch's own store, naming the signed-in or OS user.  It is a record
of what people did: nothing is sent to a site and the review itself is never changed.
"""

import logging

import streamlit as st

from dashboard import data, labels, render
from store import crud
from store.db import session_scope
from store.models import CaseStatus, FindingRead

logger = logging.getLogger(__name__)


def _record(finding_id: int, key: str) -> None:
    """Form callback: append the entry, then forget cached reads so it shows at once."""
    status = st.session_state.get(f"{key}-status")
    note = st.session_state.get(f"{key}-note")
    if status is None:
        st.session_state[f"{key}-outcome"] = ("warning", "Choose what happened first.")
        return
    try:
        with session_scope(data.audit_engine(data.context().database_url)) as session:
            entry = crud.append_case_entry(
                session, finding_id=finding_id, status=status, note=note, user=data.user()
            )
    except Exception:
        logger.exception("could not record the case entry for finding %s", finding_id)
        st.session_state[f"{key}-outcome"] = (
            "error",
            "The case log could not be written (is a crawl holding the database?). "
            "Nothing was recorded: try again in a moment.",
        )
        return
    st.session_state[f"{key}-outcome"] = (
        "success",
        f"Recorded as case entry {entry}: {labels.case_status(status)}.",
    )
    data.clear_cache()


def history(finding: FindingRead, *, clinic_id: int, key: str) -> None:
    """The finding's case so far, oldest first."""
    entries = data.load("case_log", clinic_id=clinic_id, finding_ids=(finding.id,))
    if not entries:
        st.caption("Nothing recorded yet: the finding is open.")
        return
    render.table(
        render.frame(
            (
                {
                    "When": render.when(e.at),
                    "What happened": labels.case_status(e.status),
                    "Note": e.note,
                    "By": e.user,
                }
                for e in entries
            ),
            ["When", "What happened", "Note", "By"],
        ),
        key=key,
    )


def form(finding: FindingRead, *, key: str) -> None:
    """Record what was done about the finding (a new row; earlier rows stay as they are)."""
    with st.form(key=key, clear_on_submit=True, border=True):
        st.radio(
            "What happened",
            options=list(CaseStatus),
            format_func=labels.case_status,
            index=None,
            key=f"{key}-status",
            horizontal=True,
        )
        st.text_area(
            "Note (optional; do not copy the review or anything about a client here)",
            key=f"{key}-note",
            max_chars=2000,
            height=80,
        )
        st.form_submit_button(
            "Record in the case log", on_click=_record, args=(finding.id, key), type="primary"
        )
    outcome = st.session_state.pop(f"{key}-outcome", None)
    if outcome:
        getattr(st, outcome[0])(outcome[1])
