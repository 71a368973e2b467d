"""The real dashboard (`streamlit run`, as the CLI starts it) in headless Debian Chromium.

Loads every page, clicks a blocked action and checks the explanation and the audit row,
checks that an injected review neither runs script nor loads anything from another host,
and saves a screenshot of each page: to a temporary directory, or to the directory named by
``QUIETWATCH_SCREENSHOTS`` (the README's images come from
``QUIETWATCH_SCREENSHOTS=docs/screenshots pytest tests/dashboard/test_browser.py``).
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboard.launch import dashboard_env, streamlit_command
from store.config import load_config
from tests.conftest import REPO, require_or_skip
from tests.dashboard.conftest import write_config
from tests.dashboard.helpers import audit_rows
from tests.dashboard.seed import seed

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "": "Overview",  # the default page lives at the root
    "listings": "Listings",
    "reviews": "Reviews",
    "compliance": "Compliance",
    "health": "Crawl health",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("the dashboard did not come up")


@pytest.fixture
def live_dashboard(db_url, tmp_path):
    require_or_skip(bool(shutil.which("chromium")) or Path(CHROMIUM).exists(), "Debian chromium")
    seeded = seed(db_url)
    config = load_config(write_config(tmp_path))
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        streamlit_command(config, db_url, port=port),
        env=dashboard_env(config, db_url, os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        yield base, seeded
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    chosen = os.environ.get("QUIETWATCH_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path / "screenshots"
    if not path.is_absolute():
        path = REPO / path
    path.mkdir(parents=True, exist_ok=True)
    return path


def _content_bottom(page) -> int:
    return int(
        page.evaluate(
            "document.querySelector('[data-testid=stMainBlockContainer]')"
            ".getBoundingClientRect().bottom"
        )
    )


def _screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main container, so grow the viewport
    until the content's height stops changing, let the (canvas) tables paint, and shoot."""
    page.wait_for_load_state("networkidle")
    page.set_viewport_size({"width": 1440, "height": 6000})
    heights = [_content_bottom(page)]
    for _ in range(30):  # charts and tables lay out a second or so after the first paint
        page.wait_for_timeout(400)
        heights.append(_content_bottom(page))
        if len(heights) >= 5 and len(set(heights[-4:])) == 1:
            break
    height = heights[-1]
    page.set_viewport_size({"width": 1440, "height": min(height + 40, 6000)})
    page.wait_for_timeout(800)  # let the (canvas) tables repaint at the new size
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a real rendering, not an empty page
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_dashboard_in_a_real_browser(live_dashboard, db_url, screenshots):
    from playwright.sync_api import expect, sync_playwright

    base, seeded = live_dashboard
    origin = urlsplit(base)
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("request", lambda req: requests.append(req.url))
            page.set_default_timeout(30_000)

            for path, title in PAGES.items():
                page.goto(f"{base}/{path}")
                expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
                page.wait_for_load_state("networkidle")
                assert page.locator("[data-testid='stException']").count() == 0
                assert page.get_by_text("Page not found").count() == 0
                _screenshot(page, screenshots / f"{path or 'overview'}.png")

            # The injected review is the newest, so the Reviews page opens on it.
            page.goto(f"{base}/reviews")
            detail = page.locator(".st-key-review-detail")
            expect(detail).to_contain_text("<script>window.__pwned = 1;")
            expect(detail).to_contain_text("![tracker](http://127.0.0.2:9/x.png)")
            assert detail.locator("img, a, script, iframe").count() == 0
            assert page.evaluate("typeof window.__pwned") == "undefined"

            review_id = seeded.reviews["y4"]
            before = len(audit_rows(db_url))
            page.wait_for_load_state("networkidle")
            page.locator(f".st-key-blocked-reply_to_review-review-{review_id}").get_by_role(
                "button", name="Reply — blocked"
            ).click()
            explanation = page.locator(
                f".st-key-blocked-reply_to_review-review-{review_id}-explanation"
            )
            expect(explanation).to_contain_text("Due to confidentiality, we cannot respond")
            expect(explanation).to_contain_text("What to do instead")
            _screenshot(page, screenshots / "reviews-blocked-reply.png")
            rows = audit_rows(db_url)
            assert len(rows) == before + 1
            assert (rows[-1]["action_id"], rows[-1]["origin"], rows[-1]["target"]) == (
                "reply_to_review",
                "dashboard",
                f"review {review_id}",
            )
            expect(explanation).to_contain_text(f"entry {rows[-1]['id']}")
            assert page.evaluate("typeof window.__pwned") == "undefined"
        finally:
            browser.close()

    assert requests, "the browser made no requests at all"
    foreign = [
        url
        for url in requests
        if not url.startswith(("data:", "blob:"))
        and (urlsplit(url).hostname, urlsplit(url).port) != (origin.hostname, origin.port)
    ]
    assert foreign == [], sorted(set(foreign))
