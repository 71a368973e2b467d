"""The catalogue: complete, explained, quoted faithfully, configurable and versioned."""

from pathlib import Path

import pytest

from guardrail.rules import Duty, RuleSetError, build_rule_set, builtin, rule_set_from_config
from store.config import ConfigError, parse_config
from tests.conftest import shared_fixture

POLICY = "../policy/social-media-policy.txt"  # the clinic's policy, in ../shared

REQUIRED_BLOCKED = {
    "reply_to_review",
    "contact_reviewer",
    "ask_to_edit_or_remove",
    "review_request",
    "offer_incentive",
    "reuse_review_as_testimonial",
    "identify_reviewer",
    "follow_or_friend_reviewer",
    "review_gating",
    "ask_staff_or_friends",
    "legal_threat_or_paid_removal",
}
REQUIRED_ALLOWED = {
    "report_through_site",
    "correct_listing_facts",
    "general_policy_statement",
    "read_monitor_export",
    "internal_anonymous_feedback",
}

CLINIC = """
[clinic]
name = "Test Clinic"
street_address = "1 Main St"
city = "Vancouver"
province = "BC"
postal_code = "V5K 0A1"
phone = "604-555-0100"
website = "https://clinic.example"
"""


def test_the_default_set_has_every_action_with_its_reasons() -> None:
    rules = builtin()
    assert rules.id == "bcacc"
    assert {r.id for r in rules.blocked} >= REQUIRED_BLOCKED
    assert {r.id for r in rules.allowed} >= REQUIRED_ALLOWED
    for rule in rules.blocked:
        assert rule.allowed_instead and rule.explanation and rule.grounds and rule.policy_quote
        assert rule.duty in (Duty.NO_SOLICITATION, Duty.CONFIDENTIALITY, Duty.BOTH)
    # The two duties are kept apart: replies rest on confidentiality, requests on advertising.
    assert rules.get("reply_to_review").duty == Duty.CONFIDENTIALITY
    assert rules.get("review_request").duty == Duty.NO_SOLICITATION
    assert rules.get("legal_threat_or_paid_removal").verdict.value == "blocked_refer_to_counsel"


@pytest.mark.shared
def test_policy_passages_are_quoted_verbatim_from_the_clinic_policy() -> None:
    policy = " ".join(shared_fixture(POLICY).read_text(encoding="utf-8").split())
    for rule in builtin().rules:
        assert rule.policy_quote, rule.id
        assert " ".join(rule.policy_quote.split()) in policy, rule.id


def test_version_label_names_semver_and_content_hash() -> None:
    label = builtin().version_label
    semver, digest = label.split("+")
    assert semver == "1.0.0" and len(digest) == 12
    assert len(label) <= 40  # fits AuditEntry.rule_version


def test_config_can_add_and_override_rules_and_the_version_changes() -> None:
    extra = {
        "id": "post_on_forums",
        "title": "Post about clients on professional forums",
        "verdict": "blocked",
        "duty": "confidentiality",
        "explanation": "Case discussion belongs in supervision, not on forums.",
        "grounds": ["bcacc_confidentiality"],
        "allowed_instead": "Use supervision or consultation.",
    }
    override = builtin().get("read_monitor_export").as_json()
    override["explanation"] = "Reading is fine; exports go to the privacy officer only."
    rules = build_rule_set(extra_rules=[extra, override])
    assert rules.id == "bcacc+config"
    assert "post_on_forums" in rules and "reply_to_review" in rules
    # Ground keys expand to the rule set's texts.
    assert rules.get("post_on_forums").grounds[0].startswith("BCACC Code")
    assert rules.get("read_monitor_export").explanation.startswith("Reading is fine")
    assert rules.version_label != builtin().version_label


def test_config_can_replace_the_rule_set(tmp_path: Path) -> None:
    text = (
        CLINIC
        + """
[guardrail]
rule_set = "crpo"
replace = true
body = "College of Registered Psychotherapists of Ontario"
version = "2.1.0"

[[guardrail.rules]]
id = "use_testimonials"
title = "Use testimonials or star ratings in advertising"
verdict = "blocked"
duty = "no_solicitation"
explanation = "The college's advertising standard bans testimonials altogether."
grounds = ["CRPO professional practice standard on advertising"]
allowed_instead = "Describe services factually."
"""
    )
    config = parse_config(text, tmp_path / "q.toml")
    rules = rule_set_from_config(config.guardrail)
    assert rules.id == "crpo"
    assert [r.id for r in rules.rules] == ["use_testimonials"]
    assert rules.body.startswith("College of Registered")
    assert rules.version_label.startswith("2.1.0+")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"id": "x_y", "title": "A title"}, "verdict: is required but missing"),
        (
            {
                "id": "Bad Id",
                "title": "t",
                "verdict": "allowed",
                "duty": "none",
                "explanation": "long enough",
            },
            "id:",
        ),
        (
            {
                "id": "no_alt",
                "title": "No alternative",
                "verdict": "blocked",
                "duty": "both",
                "explanation": "blocked without saying what to do",
                "grounds": ["x"],
            },
            "allowed_instead",
        ),
        (
            {
                "id": "bad_duty",
                "title": "Bad duty",
                "verdict": "blocked",
                "duty": "vibes",
                "explanation": "an unknown duty",
                "grounds": ["x"],
                "allowed_instead": "y",
            },
            "duty",
        ),
        (
            {
                "id": "extra_key",
                "title": "Extra",
                "verdict": "allowed",
                "duty": "none",
                "explanation": "has a typo field",
                "allowed_instaed": "y",
            },
            "allowed_instaed",
        ),
    ],
)
def test_malformed_config_rules_get_a_clear_error(rule: dict, message: str) -> None:
    with pytest.raises(RuleSetError, match="guardrail.rules") as caught:
        build_rule_set(extra_rules=[rule])
    assert message in str(caught.value)


def test_unknown_rule_set_and_empty_replacement_are_errors() -> None:
    with pytest.raises(RuleSetError, match="unknown rule set 'nope'"):
        build_rule_set("nope")
    with pytest.raises(RuleSetError, match="no \\[\\[guardrail.rules\\]\\]"):
        build_rule_set(replace=True)


def test_config_version_must_be_semver(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="guardrail.version"):
        parse_config(CLINIC + '\n[guardrail]\nversion = "latest"\n', tmp_path / "q.toml")
