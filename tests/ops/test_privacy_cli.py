"""Privacy after real crawls of the demo's sample sites: names kept as configured, removed
reviews erased after the retention period, `quietwatch erase review N` and `quietwatch
export review N`, each purge and erasure in the audit log."""

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from quietwatch import demo
from store.db import make_engine
from store.models import AuditEntry, Review, ReviewErasure
from tests.ops.helpers import quietwatch

pytestmark = pytest.mark.slow


def _store(tmp_path: Path):
    return make_engine(f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}", read_only=True)


def _config(tmp_path: Path, base_url: str, privacy: str = "") -> Path:
    config = demo.write_config(tmp_path, base_url)
    if privacy:
        with config.open("a", encoding="utf-8") as fh:
            fh.write(f"\n[privacy]\n{privacy}\n")
    return config


def test_names_are_reduced_to_initials_before_they_are_stored(tmp_path, sample_sites):
    server, _phase = sample_sites
    config = _config(tmp_path, server.base_url)
    result = quietwatch(config, "crawl", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    engine = _store(tmp_path)
    with Session(engine) as s:
        authors = {r.author for r in s.exec(select(Review))}
        audit = s.exec(select(AuditEntry)).all()
    engine.dispose()
    assert "Sam K." not in authors and "S. K." in authors  # the demo's "Sam K."
    # No full name was written, so there was nothing to purge and nothing is audited.
    assert not any(a and a.startswith("Sam") for a in authors)
    assert [a.action_id for a in audit] == []


def test_a_store_kept_as_shown_is_purged_to_initials_and_the_purge_is_audited(
    tmp_path, sample_sites
):
    server, _phase = sample_sites
    as_shown = _config(tmp_path, server.base_url, 'keep_reviewer_names = "as_shown"')
    assert quietwatch(as_shown, "crawl", "--no-progress").returncode == 0
    initials = _config(tmp_path, server.base_url)  # the default: initials
    result = quietwatch(initials, "crawl", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    engine = _store(tmp_path)
    with Session(engine) as s:
        authors = {r.author for r in s.exec(select(Review))}
        audit = s.exec(select(AuditEntry)).all()
    engine.dispose()
    assert "Sam K." not in authors and "S. K." in authors
    assert [(a.action_id, a.rule_set, a.rule_version, a.origin) for a in audit] == [
        ("privacy_purge", "privacy", "90d/initials", "crawl")
    ]
    # 45 reviews; two of them are by "M. T.", already initials.
    assert audit[0].detail == "43 reviewer name(s) reduced to initials"
    again = quietwatch(initials, "crawl", "--no-progress")
    assert again.returncode == 0
    engine = _store(tmp_path)
    with Session(engine) as s:
        assert len(s.exec(select(AuditEntry)).all()) == 1  # nothing to purge: no new entry
    engine.dispose()


def test_names_as_shown_when_configured(tmp_path, sample_sites):
    server, _phase = sample_sites
    config = _config(tmp_path, server.base_url, 'keep_reviewer_names = "as_shown"')
    assert quietwatch(config, "crawl", "--no-progress").returncode == 0
    engine = _store(tmp_path)
    with Session(engine) as s:
        assert "Sam K." in {r.author for r in s.exec(select(Review))}
    engine.dispose()


def test_removed_reviews_are_erased_after_the_retention_period(tmp_path, sample_sites):
    server, phase = sample_sites
    config = _config(tmp_path, server.base_url, "keep_removed_days = 0")
    assert quietwatch(config, "crawl", "--no-progress", "--full").returncode == 0
    phase["n"] = 2  # one yelp review is gone from the site
    assert quietwatch(config, "crawl", "--no-progress", "--full").returncode == 0
    engine = _store(tmp_path)
    with Session(engine) as s:
        removed = s.exec(select(Review).where(Review.removed_at.is_not(None))).all()
        erasures = s.exec(select(ReviewErasure)).all()
        details = [a.detail for a in s.exec(select(AuditEntry))]
    engine.dispose()
    yelp_removed = [r for r in removed if r.site == "yelp"]
    assert yelp_removed and all(r.text is None and r.author is None for r in yelp_removed)
    assert {e.review_id for e in erasures} >= {r.id for r in yelp_removed}
    assert any("removed from their site more than 0 day(s) ago erased" in d for d in details)


def test_erase_and_export_one_review(tmp_path, sample_sites):
    server, _phase = sample_sites
    config = _config(tmp_path, server.base_url, 'keep_reviewer_names = "as_shown"')
    assert quietwatch(config, "crawl", "--no-progress").returncode == 0
    engine = _store(tmp_path)
    with Session(engine) as s:
        review = s.exec(select(Review).where(Review.owner_response.is_not(None))).first()
    engine.dispose()

    exported = quietwatch(config, "export", "review", str(review.id))
    assert exported.returncode == 0, exported.stderr
    record = json.loads(exported.stdout)
    assert record["review"]["text"] == review.text
    assert record["listing"]["site"] == "ratemds"
    assert [f["kind"] for f in record["findings"]] == ["owner_response"]

    erased = quietwatch(config, "erase", "review", str(review.id), "--yes")
    assert erased.returncode == 0, erased.stderr
    said = " ".join(erased.stdout.split())
    assert f"Erased review {review.id}: author, text, owner response, url" in said
    assert "1 finding excerpt(s)" in said and "audit log as entry" in said
    record = json.loads(quietwatch(config, "export", "review", str(review.id)).stdout)
    assert (record["review"]["author"], record["review"]["text"]) == (None, None)
    assert record["findings"][0]["excerpt"] is None
    assert record["erasure"]["reason"] == "erase"

    # The next crawl finds it on the site again: it stays erased.
    assert quietwatch(config, "crawl", "--no-progress").returncode == 0
    engine = _store(tmp_path)
    with Session(engine) as s:
        again = s.get(Review, review.id)
        audit = s.exec(select(AuditEntry).where(AuditEntry.action_id == "privacy_erase")).all()
    engine.dispose()
    assert (again.author, again.text, again.owner_response) == (None, None, None)
    assert [(a.origin, a.target) for a in audit] == [("cli", f"review {review.id}")]
    assert "author, text, owner response, url" in audit[0].detail
    assert review.text not in audit[0].detail  # what was erased is named, never copied

    unknown = quietwatch(config, "erase", "review", "9999", "--yes")
    assert unknown.returncode == 1 and "no review 9999" in unknown.stderr
