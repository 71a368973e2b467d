"""Pinned from mutation testing (store/queries/compliance.py): findings with their site and
latest case step, newest seen first; the findings of runs and of one review; the case log in
time order; open-finding counts by kind; the audit log of a clinic and the whole log, with
ties in time broken by id, the ``since``/``action_id`` filters and the limits.  Two clinics
share the store: one clinic's reads never return the other's rows.  Every date is fixed."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from store import audit, crud, queries, runs
from store.db import make_engine, session_scope
from store.models import AuditEntry

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@dataclass
class Store:
    url: str
    a: int = 0  # the clinic the tests read
    b: int = 0  # another clinic in the same store
    ids: dict[str, int] = field(default_factory=dict)


def _review(rid: str) -> dict:
    return {
        "site_review_id": rid,
        "author": "A. Reviewer",
        "rating": 5,
        "published_at": T0 - 10 * H,
        "published_precision": "day",
        "text": "Thanks for the free session if I post this.",
    }


@pytest.fixture
def store(db_url) -> Store:
    """Clinic A: a review (R) on Yelp, a Google listing, two runs and four findings:
    f1 (owner response, about R only), f2 (solicitation, on the Google listing only),
    f3 (disclosure, about R), f4 (review link on Google, no run).  f2 and f3 were last seen
    at the same time; f1 was seen again last.  Clinic B: its own review and one finding."""
    out = Store(url=db_url)
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            out.a = crud.ensure_clinic(s, key="allura", name="Allura Sex Therapy Centre")
            out.b = crud.ensure_clinic(s, key="harbourview", name="Harbourview Counselling")
            yelp = crud.ensure_listing(s, clinic_id=out.a, site="yelp", url="https://y.example/a")
            google = crud.ensure_listing(
                s, clinic_id=out.a, site="google", url="https://g.example/a"
            )
            b_site = crud.ensure_listing(
                s, clinic_id=out.b, site="healthgrades", url="https://h.example/b"
            )
            run1 = runs.start_run(s, clinic_id=out.a, spider="schema_org")
            run2 = runs.start_run(s, clinic_id=out.a, spider="schema_org")
            run_b = runs.start_run(s, clinic_id=out.b, spider="schema_org")
            (review,) = crud.upsert_reviews(
                s, listing_id=yelp, seen_at=T0, run_id=run1, reviews=[_review("r")]
            ).new
            (review_b,) = crud.upsert_reviews(
                s, listing_id=b_site, seen_at=T0, run_id=run_b, reviews=[_review("rb")]
            ).new

            def finding(key: str, kind: str, clinic: int, seen: datetime, **fields) -> int:
                fid, _new = crud.record_finding(
                    s, clinic_id=clinic, kind=kind, dedupe_key=key, seen_at=seen, **fields
                )
                return fid

            f1 = finding("f1", "owner_response", out.a, T0, review_id=review, run_id=run1)
            f2 = finding("f2", "solicitation", out.a, T0 + H, listing_id=google, run_id=run1)
            f3 = finding(
                "f3", "disclosure", out.a, T0 + H, review_id=review, listing_id=yelp, run_id=run2
            )
            f4 = finding("f4", "write_review_link", out.a, T0 + 2 * H, listing_id=google)
            g1 = finding("g1", "disclosure", out.b, T0 + 9 * H, review_id=review_b, run_id=run_b)
        with session_scope(engine) as s:
            # f1 is seen again, last
            crud.record_finding(
                s, clinic_id=out.a, kind="owner_response", dedupe_key="f1", seen_at=T0 + 3 * H
            )

            def step(finding_id: int, status: str, user: str, at: datetime) -> int:
                return crud.append_case_entry(
                    s, finding_id=finding_id, status=status, user=user, at=at
                )

            # f3's steps are written before f1's; f3's first and f1's last are at one time
            f3_ack = step(f3, "acknowledged", "ana", T0 + 5 * H)
            f3_rep = step(f3, "reported", "cy", T0 + 6 * H)
            f1_ack = step(f1, "acknowledged", "ana", T0 + 4 * H)
            f1_res = step(f1, "resolved", "ben", T0 + 5 * H)
            f4_ack = step(f4, "acknowledged", "ana", T0 + 2.5 * H)  # written last, dated first
            e_b = crud.append_case_entry(s, finding_id=g1, status="acknowledged", user="bo", at=T0)
        out.ids = dict(
            yelp=yelp, google=google, run1=run1, run2=run2, run_b=run_b, review=review,
            review_b=review_b, f1=f1, f2=f2, f3=f3, f4=f4, g1=g1,
            f1_ack=f1_ack, f1_res=f1_res, f3_ack=f3_ack, f3_rep=f3_rep, f4_ack=f4_ack, e_b=e_b,
        )  # fmt: skip
    finally:
        engine.dispose()
    return out


@pytest.fixture
def read(store):
    engine = make_engine(store.url, read_only=True)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_findings_carry_their_site_and_latest_case_step_newest_seen_first(store, read):
    """Newest last-seen first, a tie in last seen broken by the newer id; the site comes
    from the finding's own listing or, without one, from its review's listing; the case
    step is the finding's latest entry (status, time, user), none when it has none."""
    i = store.ids
    rows = queries.findings(read, clinic_id=store.a)
    assert [f.id for f in rows] == [i["f1"], i["f4"], i["f3"], i["f2"]]
    got = {
        f.id: (f.kind, f.site, f.case_status, f.case_at, f.case_user, f.last_seen_at) for f in rows
    }
    assert got == {
        i["f1"]: ("owner_response", "yelp", "resolved", T0 + 5 * H, "ben", T0 + 3 * H),
        i["f4"]: ("write_review_link", "google", "acknowledged", T0 + 2.5 * H, "ana", T0 + 2 * H),
        i["f3"]: ("disclosure", "yelp", "reported", T0 + 6 * H, "cy", T0 + H),
        i["f2"]: ("solicitation", "google", None, None, None, T0 + H),
    }
    assert [f.open for f in rows] == [False, True, True, True]


def test_findings_by_kind_and_never_another_clinics(store, read):
    i = store.ids
    some = queries.findings(read, clinic_id=store.a, kinds=["solicitation", "disclosure"])
    assert [f.id for f in some] == [i["f3"], i["f2"]]
    assert queries.findings(read, clinic_id=store.a, kinds=["review_markup"]) == []
    assert queries.findings(read, clinic_id=store.a, kinds=[]) == []
    theirs = queries.findings(read, clinic_id=store.b)
    assert [(f.id, f.site, f.case_status, f.case_user) for f in theirs] == [
        (i["g1"], "healthgrades", "acknowledged", "bo")
    ]
    assert [f.id for f in queries.findings(read, clinic_id=store.b, kinds=["disclosure"])] == [
        i["g1"]
    ]


def test_findings_of_runs_are_those_first_recorded_in_them_oldest_first(store, read):
    """By id, not by when last seen (f1, seen again later, still comes first); a finding of
    no run, or of another run, is left out."""
    i = store.ids
    first = queries.findings_of_runs(read, run_ids=[i["run1"]])
    assert [(f.id, f.site, f.case_status) for f in first] == [
        (i["f1"], "yelp", "resolved"),
        (i["f2"], "google", None),
    ]
    both = queries.findings_of_runs(read, run_ids=[i["run2"], i["run1"]])
    assert [f.id for f in both] == [i["f1"], i["f2"], i["f3"]]
    assert [f.id for f in queries.findings_of_runs(read, run_ids=[i["run_b"]])] == [i["g1"]]
    assert queries.findings_of_runs(read, run_ids=[]) == []


def test_findings_of_a_review_stay_within_the_clinic(store, read):
    """A review's findings, oldest first; another clinic asking about that review gets none."""
    i = store.ids
    mine = queries.findings_of_review(read, clinic_id=store.a, review_id=i["review"])
    assert [(f.id, f.case_status, f.case_user) for f in mine] == [
        (i["f1"], "resolved", "ben"),
        (i["f3"], "reported", "cy"),
    ]
    assert queries.findings_of_review(read, clinic_id=store.b, review_id=i["review"]) == []
    theirs = queries.findings_of_review(read, clinic_id=store.b, review_id=i["review_b"])
    assert [f.id for f in theirs] == [i["g1"]]


def test_the_case_log_runs_by_time_then_id_and_stays_within_the_clinic(store, read):
    """By the time each step states, not the order written; a tie in time by id (f3's
    first step before f1's last), also for some findings only."""
    i = store.ids
    log = queries.case_log(read, clinic_id=store.a)
    order = ["f4_ack", "f1_ack", "f3_ack", "f1_res", "f3_rep"]
    assert [e.id for e in log] == [i[name] for name in order]
    assert [(e.status, e.user, e.at) for e in log[:2]] == [
        ("acknowledged", "ana", T0 + 2.5 * H),
        ("acknowledged", "ana", T0 + 4 * H),
    ]
    some = queries.case_log(read, clinic_id=store.a, finding_ids=[i["f3"], i["f1"]])
    assert [e.id for e in some] == [i[name] for name in order[1:]]
    assert queries.case_log(read, clinic_id=store.a, finding_ids=[i["g1"]]) == []
    assert [e.id for e in queries.case_log(read, clinic_id=store.b)] == [i["e_b"]]


def test_open_finding_counts_by_kind_follow_each_findings_latest_step(store, read):
    """Open: no step yet, or a latest step that does not close it (acknowledged, reported);
    a finding counts once however many steps it has; a resolved one is not counted; another
    clinic's findings and steps never count."""
    assert queries.open_finding_counts(read, clinic_id=store.a) == {
        "solicitation": 1,
        "disclosure": 1,
        "write_review_link": 1,
    }
    assert queries.open_finding_counts(read, clinic_id=store.b) == {"disclosure": 1}


# -- the audit log ------------------------------------------------------------------------
@pytest.fixture
def clock(monkeypatch):
    """The audit log's clock, set by the test: ``clock.append(t)`` dates the next entry."""
    times: list[datetime] = []
    monkeypatch.setattr(audit, "utcnow", lambda: times.pop(0))
    return times


@pytest.fixture
def audited(store, clock):
    """Five blocked attempts; a2 and a3 at the same time (as when the clock steps back:
    an entry is never dated before the one before it)."""
    plan = [
        ("a1", T0, store.a, "review_request"),
        ("a2", T0 + H, None, "review_request"),
        ("a3", T0 + H, store.a, "reply_to_review"),
        ("a4", T0 + 2 * H, store.b, "reply_to_review"),
        ("a5", T0 + 3 * H, store.a, "testimonial_request"),
    ]
    engine = make_engine(store.url)
    ids = {}
    try:
        with session_scope(engine) as s:
            for name, at, clinic, action in plan:
                clock.append(at)
                ids[name] = audit.append(
                    s,
                    action_id=action,
                    rule_set="bcacc",
                    rule_version="1.0.0",
                    origin="cli",
                    clinic_id=clinic,
                )
    finally:
        engine.dispose()
    return ids


def test_a_clinics_audit_log_is_newest_first_a_tie_by_id_with_the_unattached(store, audited, read):
    a = audited
    mine = queries.audit_log(read, clinic_id=store.a)
    assert [e.id for e in mine] == [a["a5"], a["a3"], a["a2"], a["a1"]]
    assert [(e.action_id, e.clinic_id, e.at) for e in mine[1:3]] == [
        ("reply_to_review", store.a, T0 + H),
        ("review_request", None, T0 + H),
    ]
    assert [e.id for e in queries.audit_log(read, clinic_id=store.a, limit=2)] == [
        a["a5"],
        a["a3"],
    ]
    every = queries.audit_log(read, clinic_id=None)
    assert [e.id for e in every] == [a["a5"], a["a4"], a["a3"], a["a2"], a["a1"]]


def test_the_audit_log_keeps_the_newest_thousand_by_default(store, read):
    """1,001 entries (chained as append() would, loaded in one batch): the newest 1,000."""
    second = timedelta(seconds=1)
    rows, prev = [], None
    for n in range(1, 1002):
        values = dict(
            id=n, at=T0 + n * second, action_id="review_request", rule_set="bcacc",
            rule_version="1", origin="cli", clinic_id=store.a,
        )  # fmt: skip
        digest = audit.entry_hash(prev, values)
        rows.append({**values, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    engine = make_engine(store.url)
    try:
        with session_scope(engine) as s:
            crud.insert_rows(s, AuditEntry, rows)
    finally:
        engine.dispose()
    got = queries.audit_log(read, clinic_id=store.a)
    assert len(got) == 1000
    assert (got[0].id, got[0].at, got[-1].id) == (1001, T0 + 1001 * second, 2)


def test_the_whole_audit_log_oldest_first_filtered_and_limited_to_the_newest(store, audited, read):
    """Every clinic's entries, oldest first; ``action_id`` keeps that action; ``since`` is
    inclusive; ``limit`` keeps the newest N (a tie in time: the newer id), still oldest first."""
    a = audited
    ids = lambda rows: [e.id for e in rows]  # noqa: E731
    assert ids(queries.audit_entries(read)) == [a["a1"], a["a2"], a["a3"], a["a4"], a["a5"]]
    assert ids(queries.audit_entries(read, limit=2)) == [a["a4"], a["a5"]]
    assert ids(queries.audit_entries(read, limit=3)) == [a["a3"], a["a4"], a["a5"]]
    assert ids(queries.audit_entries(read, limit=4)) == [a["a2"], a["a3"], a["a4"], a["a5"]]
    assert ids(queries.audit_entries(read, limit=10)) == ids(queries.audit_entries(read))
    assert ids(queries.audit_entries(read, action_id="reply_to_review")) == [a["a3"], a["a4"]]
    assert ids(queries.audit_entries(read, since=T0 + H)) == [a["a2"], a["a3"], a["a4"], a["a5"]]
    assert ids(queries.audit_entries(read, since=T0 + 3 * H)) == [a["a5"]]
    assert ids(queries.audit_entries(read, action_id="review_request", since=T0 + H, limit=1)) == [
        a["a2"]
    ]
    (entry,) = queries.audit_entries(read, action_id="testimonial_request")
    assert (entry.id, entry.at, entry.clinic_id) == (a["a5"], T0 + 3 * H, store.a)
