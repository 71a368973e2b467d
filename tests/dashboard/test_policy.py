"""The clinic's own policy in blocked-action explanations: the passage the catalogue points
at, from the clinic's file (by anchor, or the catalogue's quotation found word for word),
else the rule's own words -- never another clinic's policy or name."""

from pathlib import Path

import pytest

from guardrail import policy
from guardrail.enforce import explain
from tests.dashboard.conftest import write_config
from tests.dashboard.helpers import all_markdown, run_page, select_row, texts

# A policy written for these tests, in the shape clinics write them: plain-text headings,
# paragraphs, an anchor on a heading and one on a paragraph, Markdown emphasis.
POLICY = """Harbourview Counselling Collective

Online reviews {#reply_to_review}

We do **not** answer reviews, good or bad, on any website: answering would tell the world who
our clients are.

Asking for reviews

We never ask clients for ratings or testimonials, in any form. {#review_request}

Following

Please note that our clinicians will not follow current or former clients back on any social
media page from our clinic, professional or private accounts. We follow colleagues only.
"""


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "our-policy.md"
    path.write_text(POLICY, encoding="utf-8")
    return path


def test_passages_are_found_by_anchor_heading_and_quotation(policy_file):
    clinic = policy.load(policy_file, "Harbourview, Online Communication Policy")
    assert clinic.passage("reply_to_review", None) == (
        "We do not answer reviews, good or bad, on any website: answering would tell the "
        "world who our clients are."
    )  # the paragraph under the anchored heading, emphasis dropped
    assert clinic.passage("review_request", None) == (
        "We never ask clients for ratings or testimonials, in any form."
    )
    # No anchor: the catalogue's quotation, when the file holds it word for word.
    quote = explain("follow_or_friend_reviewer").policy_quote
    assert clinic.passage("follow_or_friend_reviewer", quote) == quote
    # Neither: nothing (the explanation then gives the rule's own words).
    assert clinic.passage("identify_reviewer", explain("identify_reviewer").policy_quote) is None
    assert policy.load(None, None) is None


def _with_policy(tmp_path: Path, monkeypatch, lines: str) -> None:
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            'website = "https://allura.example/"\n', f'website = "https://allura.example/"\n{lines}'
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(config))


def test_the_dialog_quotes_the_clinics_own_file_and_names_it(
    dashboard_env, tmp_path, policy_file, monkeypatch
):
    _with_policy(
        tmp_path,
        monkeypatch,
        f'policy_file = "{policy_file.name}"\npolicy_name = "Our Online Communication Policy"\n',
    )
    at = run_page("reviews")
    select_row(at, "reviews-table", column="ID", value=dashboard_env.reviews["y1"])
    at.button(key=f"blocked-reply_to_review-review-{dashboard_env.reviews['y1']}").click().run()
    assert not at.exception
    shown = texts(at)
    assert (
        "“We do not answer reviews, good or bad, on any website: answering would tell the "
        "world who our clients are.”"
    ) in shown
    assert "Our Online Communication Policy" in all_markdown(at)
    builtin_quote = explain("reply_to_review").policy_quote
    assert f"“{builtin_quote}”" not in shown  # the seed clinic's words are not this clinic's
    assert not any("**" in t for t in shown)  # no markdown asterisks shown literally


def test_a_policy_without_the_passage_falls_back_to_the_rules_own_words(
    dashboard_env, tmp_path, policy_file, monkeypatch
):
    _with_policy(tmp_path, monkeypatch, f'policy_file = "{policy_file.name}"\n')
    at = run_page("reviews")
    review = dashboard_env.reviews["y1"]
    select_row(at, "reviews-table", column="ID", value=review)
    at.button(key=f"blocked-identify_reviewer-review-{review}").click().run()
    assert not at.exception
    expected = explain("identify_reviewer")
    assert expected.explanation in texts(at)
    assert "The clinic's policy says" not in all_markdown(at)
    assert not any("Allura Sex Therapy Centre, Social" in m for m in all_markdown(at))
