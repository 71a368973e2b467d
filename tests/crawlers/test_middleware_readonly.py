"""Only GET and HEAD reach the server, never to a reply endpoint: the read-only middleware
drops and counts every other request a spider makes."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import REPO

SPIDER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    BASE, OUT = sys.argv[1], sys.argv[2]

    class Naughty(scrapy.Spider):
        name = "naughty"

        async def start(self):
            yield scrapy.Request(BASE + "/page", callback=self.parse)
            yield scrapy.Request(BASE + "/reply", method="POST", body=b"text=thanks", callback=self.parse)
            yield scrapy.FormRequest(BASE + "/message", formdata={"m": "hi"}, callback=self.parse)
            yield scrapy.Request(BASE + "/delete", method="DELETE", callback=self.parse)
            yield scrapy.Request(BASE + "/profile", method="PUT", body=b"bio=x", callback=self.parse)
            yield scrapy.Request(BASE + "/settings", method="PATCH", body=b"a=b", callback=self.parse)
            yield scrapy.Request(BASE + "/page", method="HEAD", callback=self.parse, dont_filter=True)
            # A read method, but a reply endpoint: refused before it leaves the process.
            yield scrapy.Request(BASE + "/reviews/42/reply", method="HEAD", callback=self.parse)

        def parse(self, response):
            yield {"url": response.url}

    settings = get_project_settings()
    settings.set("ITEM_PIPELINES", {})
    settings.set("DOWNLOAD_DELAY", 0)
    settings.set("AUTOTHROTTLE_ENABLED", False)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Naughty)
    process.crawl(crawler)
    process.start()
    with open(OUT, "w") as fh:
        json.dump(crawler.stats.get_stats(), fh, default=str)
    """
)


@pytest.mark.slow
def test_only_get_and_head_to_read_pages_reach_the_server(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    script = tmp_path / "naughty.py"
    script.write_text(SPIDER_SCRIPT)
    out = tmp_path / "stats.json"
    httpserver.expect_request("/robots.txt").respond_with_data("", content_type="text/plain")
    httpserver.expect_request("/page").respond_with_data(
        "<html><body>ok</body></html>", content_type="text/html"
    )
    base = httpserver.url_for("").rstrip("/")
    result = subprocess.run(
        [sys.executable, str(script), base, str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # The server logs every request that reaches it, whatever its method or path.
    arrived = sorted((request.method, request.path) for request, _ in httpserver.log)
    assert arrived == [("GET", "/page"), ("GET", "/robots.txt"), ("HEAD", "/page")]
    stats = json.loads(out.read_text())
    assert stats["quietwatch/refused/method"] == 5
    assert stats["quietwatch/refused/method/POST"] == 2
    assert stats["quietwatch/refused/method/DELETE"] == 1
    assert stats["quietwatch/refused/method/PUT"] == 1
    assert stats["quietwatch/refused/method/PATCH"] == 1
    assert stats["quietwatch/refused/endpoint"] == 1
    assert "refused a POST request" in result.stderr
    assert "refused a PUT request" in result.stderr
