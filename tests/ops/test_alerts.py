"""Alerts by rule ([[alerts]]): one test per kind, each delivered to a real SMTP server on
127.0.0.1 through an Apprise mailto:// URL; link-only unless the rule asks for review text;
digests once a day or week; and one alert end to end after a real crawl."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from quietwatch import demo
from quietwatch.notify import send_alerts
from store.config import ConfigError, parse_config
from store.db import make_engine
from store.models import Notification
from tests.dashboard.seed import CONFIG_TOML, INJECTED_TEXT, NOW, seed
from tests.ops.helpers import quietwatch

pytestmark = pytest.mark.slow


def _mailto(port: int) -> str:
    return (
        f"mailto://127.0.0.1:{port}?mode=insecure"
        "&from=quietwatch@allura.example&to=manager@allura.example"
    )


def _config(tmp_path: Path, port: int, rule: str):
    text = (
        CONFIG_TOML.replace("{names}", "as_shown")
        + f'\n[[alerts]]\n{rule}\nurls = ["{_mailto(port)}"]\n'
    )
    return parse_config(text, tmp_path / "quietwatch.toml")


@pytest.fixture
def store(db_url):
    seeded = seed(db_url)
    engine = make_engine(db_url)
    yield seeded, engine
    engine.dispose()


def _send(config, engine, seeded, **kw):
    return send_alerts(config, engine, [seeded.runs["latest"]], [], now=NOW, **kw)


@pytest.mark.parametrize(
    ("rule", "expected", "link"),
    [
        ('kind = "owner_response"', "Yelp: owner response on a review", "/compliance?finding="),
        ('kind = "disclosure"', "Yelp: review discloses too much", "/compliance?finding="),
        ('kind = "low_rating"\nmax_rating = 2', "Yelp: a new low-rated review, rated 1", "/reviews?review="),
        ('kind = "new_review"', "Yelp: a new review, rated 1", "/reviews?review="),
        ('kind = "source_failing"', "blocked by the site (CAPTCHA page)", "/health"),
        ('kind = "degraded_layout"', "fields vanished from its pages", "/health"),
    ],
)  # fmt: skip
def test_each_kind_of_alert_arrives_link_only(tmp_path, store, smtp, rule, expected, link):
    seeded, engine = store
    port, mailbox = smtp
    config = _config(tmp_path, port, rule)
    sent = _send(config, engine, seeded)
    assert [n for _rule, n in sent] == [1]
    assert len(mailbox.messages) == 1
    body = mailbox.bodies()[0]
    assert expected in body, body
    assert f"http://127.0.0.1:8501{link}" in body
    assert "Review text is not included" in body
    for words in ("Thank you for coming in!", "erectile dysfunction", "<script>", "Hacker"):
        assert words not in body  # no reviewer's words, no finding excerpt
    with Session(engine) as s:
        notes = s.exec(select(Notification)).all()
    assert [(n.kind, n.ok) for n in notes] == [(f"alert:{config.alerts[0].key}", True)]


def test_review_text_goes_out_only_when_the_rule_asks(tmp_path, store, smtp):
    seeded, engine = store
    port, mailbox = smtp
    _send(
        _config(tmp_path, port, 'kind = "disclosure"\ninclude_review_text = true'), engine, seeded
    )
    assert "my therapist helped my erectile dysfunction" in mailbox.bodies()[0]
    _send(
        _config(tmp_path, port, 'kind = "new_review"\ninclude_review_text = true'), engine, seeded
    )
    assert INJECTED_TEXT[:40] in mailbox.bodies()[1]


def test_a_broken_audit_chain_is_told_when_the_check_says_so(tmp_path, store, smtp):
    seeded, engine = store
    port, mailbox = smtp
    config = _config(tmp_path, port, 'kind = "audit_chain_broken"')
    assert _send(config, engine, seeded) == []  # nothing broken: nothing sent
    _send(config, engine, seeded, audit_problem="audit entry 7 does not match its hash")
    assert "audit entry 7 does not match its hash" in mailbox.bodies()[0]


def test_a_closed_case_is_not_alerted(tmp_path, store, smtp):
    from store import crud
    from store.db import session_scope
    from store.models import Finding

    seeded, engine = store
    port, mailbox = smtp
    with session_scope(engine) as s:
        finding = s.exec(select(Finding).where(Finding.kind == "owner_response")).one()
        crud.append_case_entry(s, finding_id=finding.id, status="not_a_breach", user="pat")
    assert _send(_config(tmp_path, port, 'kind = "owner_response"'), engine, seeded) == []
    assert mailbox.messages == []


def test_a_daily_digest_goes_out_once_a_day(tmp_path, store, smtp):
    seeded, engine = store
    port, mailbox = smtp
    config = _config(tmp_path, port, 'kind = "disclosure"\nwhen = "daily"')
    now = datetime.now(UTC)  # after the seed recorded its findings
    assert [n for _r, n in send_alerts(config, engine, [], [], now=now)] == [1]
    assert send_alerts(config, engine, [], [], now=now + timedelta(hours=3)) == []  # not due
    # Due again a day later, but nothing came since the last one: nothing to send.
    assert send_alerts(config, engine, [], [], now=now + timedelta(hours=25)) == []
    assert len(mailbox.messages) == 1
    assert "alert (disclosure_daily)" in mailbox.bodies()[0]


def test_bad_rules_are_refused_with_the_field(tmp_path):
    with pytest.raises(ConfigError, match="max_rating"):
        _config(tmp_path, 25, 'kind = "low_rating"')
    with pytest.raises(ConfigError, match="alerts"):
        _config(tmp_path, 25, 'kind = "every_review"')
    with pytest.raises(ConfigError, match="two rules share a name"):
        _config(
            tmp_path,
            25,
            'kind = "disclosure"\nurls = ["mailto://x"]\n[[alerts]]\nkind = "disclosure"',
        )


def test_an_owner_response_alert_after_a_real_crawl(tmp_path, sample_sites, smtp):
    server, _phase = sample_sites
    port, mailbox = smtp
    config = demo.write_config(tmp_path, server.base_url)
    with config.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[[alerts]]\nkind = "owner_response"\nurls = ["{_mailto(port)}"]\n')
    result = quietwatch(config, "crawl", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(mailbox.messages) == 1
    body = mailbox.bodies()[0]
    assert "RateMDs: owner response on a review" in body
    assert "we are so glad the sessions helped" not in body
