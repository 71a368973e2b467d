"""Real crawls for the crawler tests: a config file, `quietwatch crawl` in a subprocess,
and pages on 127.0.0.1 that can change between crawls.  Stored rows are read back with
:mod:`tests.sql`."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import REPO

CLINIC = """[clinic]
name = "Harbourview Counselling Collective"
slug = "harbourview"
street_address = "1200 West 8th Avenue, Suite 300"
city = "Vancouver"
province = "BC"
postal_code = "V6H 1C6"
phone = "+1 604-555-0142"
website = "https://harbourview-counselling.example"
"""

# A second practice, for a store two clinics share.
SECOND_CLINIC = """[clinic]
name = "Kitsilano Family Counselling"
slug = "kitsilano"
street_address = "2200 West 4th Avenue"
city = "Vancouver"
province = "BC"
postal_code = "V6K 1N8"
phone = "+1 604-555-0199"
website = "https://kitsilano-counselling.example"
"""

Source = tuple[str, str] | tuple[str, str, dict[str, Any]]


def write_config(
    directory: Path,
    sources: Iterable[Source],
    *,
    clinic: str = CLINIC,
    data_dir: Path | str = "data",
    **crawl: object,
) -> Path:
    """A quietwatch.toml in ``directory``: the clinic, its sources (site, url[, extra keys]),
    the store's folder and crawl settings (no download delay unless given)."""
    lines = [clinic]
    for site, url, *extra in sources:
        keys = {"site": site, "url": url, **(extra[0] if extra else {})}
        lines.append("[[sources]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items()))
    lines.append(f"[database]\ndata_dir = {json.dumps(str(data_dir))}\n")
    settings = {"download_delay": 0, **crawl}
    lines.append(
        "[crawl]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in settings.items()) + "\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "quietwatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def quietwatch(config: Path, *args: str) -> subprocess.CompletedProcess:
    """A `quietwatch` command in its own process (Scrapy's reactor runs once per process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "quietwatch", "--config", str(config), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def crawl(config: Path, *extra: str) -> subprocess.CompletedProcess:
    """`quietwatch crawl`; it exits 0, or 1 when a run failed (a problem, not a crash)."""
    result = quietwatch(config, "crawl", "--no-progress", *extra)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return result


def robots(httpserver: HTTPServer, body: str = "User-agent: *\nAllow: /\n") -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(body, content_type="text/plain")


Page = Response | Callable[[Request], Response]


class Site:
    """A site on the local server whose pages can change between crawls."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.httpserver = httpserver
        self.pages: dict[str, Page] = {}
        robots(httpserver)
        httpserver.expect_request(re.compile(r"^/(?!robots\.txt$).*")).respond_with_handler(
            self._serve
        )

    def url(self, path: str) -> str:
        return self.httpserver.url_for(path)

    def html(self, path: str, body: str, status: int = 200, **headers: str) -> None:
        """Serve ``body`` at ``path`` from now on (headers given as Last_Modified=...)."""
        self.pages[path] = Response(
            body,
            status=status,
            content_type="text/html; charset=utf-8",
            headers={k.replace("_", "-"): v for k, v in headers.items()},
        )

    def requests(self, path: str) -> list[Request]:
        """Every request the server received for ``path``, oldest first."""
        return [request for request, _ in self.httpserver.log if request.path == path]

    def _serve(self, request: Request) -> Response:
        page = self.pages.get(request.path)
        if page is None:
            return Response("<h1>Not found</h1>", status=404, content_type="text/html")
        return page if isinstance(page, Response) else page(request)


def store_file(config: Path) -> Path:
    """The SQLite file a config with the default ``data_dir = "data"`` writes."""
    return config.parent / "data" / "quietwatch.db"


def harbourview(reviews: list, **fields: Any):  # type: ignore[no-untyped-def]
    """The test clinic as the demo pages show it (``quietwatch.demo.pages``), with
    ``reviews``; ``fields`` override its facts."""
    from quietwatch.demo.pages import SampleBusiness

    facts: dict[str, Any] = {
        "name": "Harbourview Counselling Collective",
        "street_address": "1200 West 8th Avenue, Suite 300",
        "locality": "Vancouver",
        "region": "BC",
        "postal_code": "V6H 1C6",
        "country": "CA",
        "phone": "(604) 555-0142",
        "website": "https://harbourview-counselling.example",
        "categories": ["Counseling & Mental Health"],
    }
    return SampleBusiness(**{**facts, **fields, "reviews": reviews})


def harbourview_reviews(count: int, newest):  # type: ignore[no-untyped-def]
    """``count`` reviews of the test clinic, a week apart, the first dated ``newest``."""
    from datetime import timedelta

    from quietwatch.demo.pages import SampleReview

    return [
        SampleReview(
            review_id=f"rv-{i}",
            author=f"Client {i}.",
            rating=5 - i % 3,
            published=newest - timedelta(days=7 * i),
            text=f"Warm and practical; I left every session with something to try. ({i})",
        )
        for i in range(count)
    ]
