"""`make mutation`'s summary, on lines in the shape `mutmut results --all true` prints."""

from tests.mutation_report import report, tally

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
