"""A spider's POST never reaches the server: the read-only middleware drops and counts it."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from quietwatch.demo.server import SampleServer
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


def test_post_put_delete_never_reach_the_server(tmp_path: Path) -> None:
    script = tmp_path / "naughty.py"
    script.write_text(SPIDER_SCRIPT)
    out = tmp_path / "stats.json"
    pages = {
        "/page": (200, "text/html", b"<html><body>ok</body></html>"),
        "/robots.txt": (200, "text/plain", b""),
    }
    with SampleServer(lambda p: pages.get(p)) as server:
        result = subprocess.run(
            [sys.executable, str(script), server.base_url, str(out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        requests = list(server.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    methods = {m for m, _ in requests}
    assert methods <= {"GET", "HEAD"}, requests
    assert ("GET", "/page") in requests
    assert not any(path in ("/reply", "/message", "/delete") for _, path in requests)
    stats = json.loads(out.read_text())
    assert stats["quietwatch/refused/method"] == 3
    assert stats["quietwatch/refused/method/POST"] == 2
    assert stats["quietwatch/refused/method/DELETE"] == 1
    assert "refused a POST request" in result.stderr
