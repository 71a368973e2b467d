"""`python -m bench crawl` and `bench recrawl` at a small size: they crawl the real pipeline,
print their figures, and fail loudly when the crawl they timed was not the crawl they served
(404s, nothing stored, no 304s).  Speed is printed by the benches, never asserted here."""

import re

import pytest

import bench.crawl
import bench.recrawl
from bench.site import BenchSite, Stored, verify

pytestmark = pytest.mark.slow


def test_the_sample_site_answers_the_spiders_query_and_404s_the_rest() -> None:
    site = BenchSite(2, 25)
    body = site.resolve("/biz/bench-1?sort_by=date_desc")[2]
    assert b"Bench Counselling 1" in body and b"b1-0" in body
    assert b"b1-20" in site.resolve("/biz/bench-1?start=20&sort_by=date_desc")[2]
    assert site.resolve("/biz/bench-2")[0] == 404
    assert site.resolve("/biz/bench-1?start=40")[0] == 404
    assert site.statuses == {200: 2, 404: 2} and site.reviews_served == 25


def test_bench_crawl_stores_what_it_was_served_and_prints_both_figures(capsys) -> None:
    bench.crawl.main(["--pages", "12", "--reference-seconds", "2"])
    out = capsys.readouterr().out
    assert re.search(r"QuietWatch full pipeline .*: 12 pages in [\d.]+ s -> [\d.]+ pages/s", out)
    assert re.search(r"scrapy bench \(same machine, same run\): \d+ pages -> [\d.]+ pages/s", out)
    assert re.search(r"ratio QuietWatch / scrapy bench: pages/s [\d.]+ .*CPU per page [\d.]+", out)


def test_bench_crawl_fails_when_the_site_answers_404(monkeypatch) -> None:
    def not_found(self, path_and_query, headers=None):
        if path_and_query.startswith("/biz/"):
            with self.lock:
                self.statuses[404] += 1
            return 404, "text/html", b"<h1>Not found</h1>"
        return 200, "text/plain", b"User-agent: *\nAllow: /\n"

    monkeypatch.setattr(BenchSite, "resolve", not_found)
    with pytest.raises(SystemExit, match=r"answered 3 request\(s\) with 404.*0 reviews stored"):
        bench.crawl.main(["--pages", "3", "--reference-seconds", "0"])


def test_a_store_that_holds_nothing_is_a_broken_crawl(db_url) -> None:
    site = BenchSite(4, 10)
    wrong = verify(
        Stored.read(db_url, "bench"), site, listings=4, expect_reviews=40, new=40, ok="ok"
    )
    assert wrong == [
        "0 reviews stored, 40 served",
        "the run counted 0 new reviews, not 40",
        "listing checks {}, not 4 x ok",
    ]


def test_scrapy_bench_that_crashed_or_loaded_the_project_fails_the_bench() -> None:
    crashed = "Traceback (most recent call last):\n  ...\nRuntimeError: boom\n"
    with pytest.raises(SystemExit, match="scrapy bench failed"):
        bench.crawl.read_reference(0, crashed)
    with pytest.raises(SystemExit, match="scrapy bench failed"):
        bench.crawl.read_reference(1, "")
    project = "Disabled crawlers.extensions.CrawlRunExtension: no store to write to"
    with pytest.raises(SystemExit, match="loaded this project's settings"):
        bench.crawl.read_reference(0, project)
    with pytest.raises(SystemExit, match="crawled nothing"):
        bench.crawl.read_reference(0, "'downloader/response_count': 0,\nBENCH-CPU 1.0")


def test_bench_recrawl_counts_the_304s_and_the_early_stop(capsys) -> None:
    bench.recrawl.main(["--listings", "3", "--reviews", "45"])
    out = capsys.readouterr().out
    assert out.count("first crawl: 9 requests") == 2
    assert out.count("re-crawl:    3 requests") == 2
    assert "requests 0.333, bytes 0.000" in out  # the 304s carry no body


def test_bench_recrawl_fails_when_the_server_never_answers_304(monkeypatch) -> None:
    resolve = BenchSite.resolve

    def ignore_validators(self, path_and_query, headers=None):
        return resolve(self, path_and_query, None)

    monkeypatch.setattr(BenchSite, "resolve", ignore_validators)
    with pytest.raises(
        SystemExit, match=r"again crawl: the site answered \{200: 2\}, not \{304: 2\}"
    ):
        bench.recrawl.main(["--listings", "2", "--reviews", "10"])
