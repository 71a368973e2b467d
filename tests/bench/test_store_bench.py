"""`python -m bench store` at a small size: the real StorePipeline against raw executemany,
with what each wrote checked; it fails when the pipeline stores nothing.  The PostgreSQL
figure of `bench crawl` runs too, on a server the bench starts itself."""

import re

import pytest

import bench.crawl
import bench.store
from crawlers.pipelines.store import StorePipeline
from tests.conftest import require_or_skip
from tests.pg import find_bin_dir


def test_bench_store_prints_both_crawls_against_the_floor(capsys) -> None:
    assert bench.store.main(["--listings", "4", "--pages", "3"]) == 0
    out = capsys.readouterr().out
    assert "4 listings x 3 pages x 10 reviews = 120 rows" in out
    for label in ("first crawl", "re-crawl"):
        assert re.search(rf"{label}: StorePipeline [\d.]+ s .* ratio [\d.]+ .*CPU ratio", out)


def test_bench_store_fails_when_the_pipeline_stores_nothing(monkeypatch, capsys) -> None:
    monkeypatch.setattr(StorePipeline, "process_item", lambda self, item, spider=None: item)
    assert bench.store.main(["--listings", "2", "--pages", "2"]) == 1
    err = capsys.readouterr().err
    assert "0 reviews stored, 40 written" in err
    assert "the run counted 0 pages and 0 new reviews" in err


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_crawl_two_processes_into_one_postgresql_store(capsys) -> None:
    require_or_skip(find_bin_dir() is not None, "PostgreSQL (initdb/pg_ctl)")
    bench.crawl.main(["--pages", "6", "--processes", "2", "--database", "postgresql"])
    out = capsys.readouterr().out
    assert re.search(r"one process: 6 pages in [\d.]+ s", out)
    assert re.search(r"2 processes at once: 12 pages in [\d.]+ s", out)
    assert re.search(r"pages in the same time, 2 processes / one: [\d.]+", out)
