"""`python -m bench parse` runs, prints a ratio per page and fails loudly when it reads nothing."""

import pytest

import bench.parse
from crawlers.pages.yelp import YelpBizPage

pytestmark = pytest.mark.shared


def test_bench_parse_prints_a_ratio_per_page(capsys) -> None:
    from tests.conftest import shared_fixture

    shared_fixture("SOURCES.tsv")
    bench.parse.main(["--repeats", "1"])
    out = capsys.readouterr().out
    assert all(label in out for label in ("Yelp", "RateMDs", "Psychology Today"))
    assert out.count("x\n") == 3


def test_bench_parse_fails_when_a_page_object_reads_nothing(monkeypatch) -> None:
    from tests.conftest import shared_fixture

    shared_fixture("SOURCES.tsv")
    monkeypatch.setattr(YelpBizPage, "reviews", lambda self: [])
    with pytest.raises(SystemExit, match="read nothing useful"):
        bench.parse.main(["--repeats", "1"])
