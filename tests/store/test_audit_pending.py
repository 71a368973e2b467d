"""The audit log's pending file, in process: an attempt the database could not take is kept
as one JSON line with the time it was made, and the next import appends it to the chain
with that time in its detail, then keeps the file under another name."""

import json
from datetime import datetime

from sqlmodel import Session

from store import audit, queries
from store.db import init_db, make_engine


def test_a_kept_attempt_is_one_line_with_its_time_and_the_import_chains_it(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'quietwatch.db'}")
    init_db(engine)
    try:
        path = audit.pending_path(engine)
        assert path is not None and path.parent == tmp_path
        fields = {
            "action_id": "reply_to_review",
            "rule_set": "bcacc",
            "rule_version": "1.0.0",
            "origin": "dashboard",
            "target": "review 7",
            "detail": "button clicked",
        }
        audit.write_pending(path, **fields)
        audit.write_pending(path, **{**fields, "target": "review 8", "detail": None})
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2
        first = json.loads(lines[0])
        attempted = first.pop("attempted_at")
        assert first == fields
        assert datetime.fromisoformat(attempted).tzinfo is not None

        assert audit.import_pending(engine) == 2
        assert not path.exists()
        kept = [p.name for p in tmp_path.iterdir() if p.name.startswith(path.name + ".imported-")]
        assert len(kept) == 1
        with Session(engine) as s:
            entries = queries.audit_entries(s)
        assert [(e.action_id, e.origin, e.target) for e in entries] == [
            ("reply_to_review", "dashboard", "review 7"),
            ("reply_to_review", "dashboard", "review 8"),
        ]
        note = f"attempted at {attempted}; written from the pending file later"
        assert entries[0].detail == f"button clicked; {note}"
        assert entries[1].detail.startswith("attempted at ") and entries[1].detail.endswith(
            "; written from the pending file later"
        )
        assert audit.check(engine).ok
        assert audit.import_pending(engine) == 0  # nothing left to add
    finally:
        engine.dispose()
