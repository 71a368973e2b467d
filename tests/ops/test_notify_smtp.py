"""Notifications after a real crawl, delivered to a real SMTP server on 127.0.0.1 through an
Apprise mailto:// URL: counts, sites and dashboard links; review text only when asked."""

from pathlib import Path

import pytest
from sqlmodel import Session, select

from quietwatch import demo
from store.db import make_engine
from store.models import Notification
from tests.ops.helpers import notifications_toml, quietwatch

pytestmark = pytest.mark.slow

REVIEW_TEXT = "Warm, unhurried and practical. I left every session with something to try."


def _config(tmp_path: Path, base_url: str, smtp_port: int, *, include_text: bool) -> Path:
    config = demo.write_config(tmp_path, base_url)
    with config.open("a", encoding="utf-8") as fh:
        fh.write(notifications_toml(smtp_port, include_text=include_text))
    return config


def _notifications(tmp_path: Path) -> list[Notification]:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(Notification).order_by(Notification.id)))
    finally:
        engine.dispose()


def test_digest_by_email_has_counts_and_links_but_no_review_text(
    tmp_path, sample_sites, smtp
) -> None:
    server, phase = sample_sites
    port, mailbox = smtp
    config = _config(tmp_path, server.base_url, port, include_text=False)

    first = quietwatch(config, "crawl", "--no-progress")
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "manager@harbourview.example"
    assert message["Subject"].startswith(
        "QuietWatch · Harbourview Counselling Collective: 45 new review(s)"
    )
    body = mailbox.bodies()[0]
    assert "New reviews: 45" in body
    for site in ("yelp:", "ratemds:", "schema_org:"):
        assert site in body
    assert "http://127.0.0.1:8501/reviews" in body
    assert "Compliance findings:" in body and "owner_response" in body  # RateMDs shows a reply
    assert "http://127.0.0.1:8501/compliance" in body
    assert "Review text is not included" in body
    assert REVIEW_TEXT not in body
    for text in demo_texts():
        assert text not in body, text  # no review's words leave the machine by default
    notes = _notifications(tmp_path)
    assert [(n.kind, n.ok, n.error) for n in notes] == [("digest", True, None)]
    assert notes[0].run_id is not None and notes[0].clinic_id is not None

    again = quietwatch(config, "crawl", "--no-progress")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(mailbox.messages) == 1  # nothing new, nothing failing: no message

    phase["n"] = 2  # a changed listing, an edited and a removed review, a listing gone
    changed = quietwatch(config, "crawl", "--no-progress")
    assert changed.returncode == 0, changed.stderr[-3000:]
    assert len(mailbox.messages) == 2
    body = mailbox.bodies()[1]
    # A review gone from yelp is not counted removed: removals wait for a full sweep.
    assert "New reviews: 2 · changed: 1 · removed: 0 (" in body
    assert "yelp: 2 new, 1 changed, 0 removed" in body
    assert "Listing changes:" in body and "http://127.0.0.1:8501/listings" in body
    assert "Failing sources and checks:" in body and "[gone]" in body, body
    assert "http://127.0.0.1:8501/health" in body
    for text in demo_texts():
        assert text not in body, text


def test_review_text_is_sent_only_when_the_config_asks(tmp_path, sample_sites, smtp) -> None:
    server, _phase = sample_sites
    port, mailbox = smtp
    config = _config(tmp_path, server.base_url, port, include_text=True)
    result = quietwatch(config, "crawl", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    body = mailbox.bodies()[0]
    assert "Review text (included because the configuration asks for it)" in body
    assert REVIEW_TEXT in body
    assert "Review text is not included" not in body


def test_failed_delivery_is_recorded_not_fatal(tmp_path, sample_sites) -> None:
    from tests.pg import free_port

    server, _phase = sample_sites
    config = _config(tmp_path, server.base_url, free_port(), include_text=False)  # nobody listens
    result = quietwatch(config, "crawl", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    notes = _notifications(tmp_path)
    assert [(n.ok, n.error) for n in notes] == [(False, "delivery through mailto:// failed")]


# The most sensitive words on the sample sites: a review on RateMDs names a diagnosis, a
# counsellor and a partner.  A finding's excerpt quotes only part of a review, so these
# fragments are checked on their own as well as every whole text.
SENSITIVE = ("erectile dysfunction", "depression", "my wife Jane", "Dr. Ellis")


def demo_texts() -> list[str]:
    """Every review text, owner response and reviewer name the sample sites show, in both
    phases (the edited text of phase 2 too), and the sensitive fragments above."""
    texts = set(SENSITIVE)
    for phase in (1, 2):
        for business in demo.businesses(phase).values():
            for review in business.reviews:
                texts |= {review.text, review.author}
                if review.owner_response:
                    texts.add(review.owner_response)
    assert any("erectile dysfunction" in t for t in texts - set(SENSITIVE))
    return sorted(texts)
