"""`make mutation`'s summary, on lines in the shape `mutmut results --all true` prints."""

import pytest

from tests.mutation_report import read_equivalents, report, stale_excuses, tally

RESULTS = """\
    crawlers.middlewares.x__write_endpoint_reason__mutmut_1: killed
    crawlers.middlewares.xǁReadOnlyMiddlewareǁprocess_request__mutmut_1: killed
    crawlers.middlewares.xǁReadOnlyMiddlewareǁprocess_request__mutmut_2: survived
    crawlers.middlewares.xǁReadOnlyMiddlewareǁ__init____mutmut_1: not checked
    crawlers.pipelines.content_findings.xǁContentFindingsPipelineǁprocess_item__mutmut_3: no tests
    guardrail.enforce.x_block__mutmut_6: killed
"""


def test_mutants_are_counted_per_module_and_status() -> None:
    by_module = tally(RESULTS)
    assert dict(by_module["crawlers.middlewares"]) == {"killed": 2, "survived": 1, "not checked": 1}
    assert dict(by_module["crawlers.pipelines.content_findings"]) == {"no tests": 1}
    assert set(by_module) == {
        "crawlers.middlewares",
        "crawlers.pipelines.content_findings",
        "guardrail.enforce",
    }


def test_the_share_counts_the_mutants_run_and_names_the_rest() -> None:
    lines = report(tally(RESULTS))
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    # 2 of the 3 run were killed; the one not checked is listed apart.
    assert rows["crawlers.middlewares"][1:4] == ["2", "3", "67%"]
    assert lines[1].endswith("1 not checked, 1 survived")
    # A mutant no test reaches counts against its module.
    assert rows["crawlers.pipelines.content_findings"][1:4] == ["0", "1", "0%"]
    assert rows["guardrail.enforce"][1:4] == ["1", "1", "100%"]


def test_an_excused_equivalent_leaves_the_last_share_and_a_stale_excuse_is_named() -> None:
    excuses = read_equivalents(
        "# name  reason\n"
        "crawlers.middlewares.xǁReadOnlyMiddlewareǁprocess_request__mutmut_2  header case\n"
        "guardrail.enforce.x_block__mutmut_6  killed since: stale\n"
        "guardrail.enforce.x_block__mutmut_99  no such mutant: stale\n"
        "store.db.x_make_engine__mutmut_1  module not in this run: not stale\n"
    )
    by_module = tally(RESULTS, excuses)
    assert dict(by_module["crawlers.middlewares"]) == {"killed": 2, "excused": 1, "not checked": 1}
    rows = {line.split()[0]: line.split() for line in report(by_module)[1:]}
    # 2 killed of 3 run; of the 2 not excused, both.
    assert rows["crawlers.middlewares"][1:5] == ["2", "3", "67%", "100%"]
    assert rows["guardrail.enforce"][1:5] == ["1", "1", "100%", "100%"]
    assert stale_excuses(RESULTS, excuses) == [
        "guardrail.enforce.x_block__mutmut_6",
        "guardrail.enforce.x_block__mutmut_99",
    ]


def test_an_excuse_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="line 2: .*mutmut_1 has no reason"):
        read_equivalents("# a comment\nguardrail.enforce.x_block__mutmut_1\n")
