"""Every regular expression the guardrail runs on site text or user text scans 1 MB of
hostile text in linear time (issue 10, item 8): a review of 1 MB without spaces must not pin
a crawl at 100% CPU."""

import pytest

from guardrail import checker, endpoints, findings, lexicon, links, model, rules
from tests.linear_time import RATIO_BUDGET, compiled_patterns, slowest_scan

MODULES = (checker, endpoints, findings, lexicon, links, model, rules)
PATTERNS = compiled_patterns(MODULES)


def test_the_harness_finds_the_patterns_inside_tuples_and_dataclasses() -> None:
    found = {id(pattern) for _, pattern in PATTERNS}
    assert id(lexicon.APPEAL_RE) in found
    assert all(id(p.regex) in found for p in lexicon.PATTERNS)  # a tuple of dataclasses
    assert all(id(check.regex) in found for check in findings.DISCLOSURE_CHECKS)  # nested
    assert id(links.URL_RE) in found and len(found) == len(PATTERNS) >= 50


@pytest.mark.slow
@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_every_pattern_scans_hostile_text_in_linear_time(name: str, pattern) -> None:
    worst = slowest_scan(name, pattern)
    assert worst.linear, (
        f"{name} took {worst.ratio:,.0f} times as long as str.count on {worst.size:,} "
        f"characters of {worst.text_kind} (budget {RATIO_BUDGET:,}), and its scan grew "
        f"{worst.growth:.1f} times faster than the text: it is not linear"
    )
