"""The real dashboard (started as `quietwatch dashboard` starts it) in headless Debian Chromium.

- On the test seed: an injected review neither runs script nor loads anything from another
  host; a blocked Reply is explained in a dialog and audited.
- On the demo clinic (`quietwatch demo`): every page at 1,400 px and at 390 px (a phone) has
  its verdict/severity columns within the viewport and no cell reading "None", and its
  screenshot is taken; a finding acknowledged in the browser shows its history after a
  reload and in the downloaded CSV; a click on a review's row opens it.

Every wait is on the app's own "ready" signal (``.st-key-qw-ready-<page>``, drawn last on
each page) with generous timeouts, so a loaded machine makes the test slower, not flaky.
Screenshots go to a temporary directory, or to ``QUIETWATCH_SCREENSHOTS`` (the README's
images: ``QUIETWATCH_SCREENSHOTS=docs/screenshots pytest tests/dashboard/test_browser.py``).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboard.launch import dashboard_env, streamlit_command, wait_until_up
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
WAIT_MS = 120_000  # generous: a loaded 2-core machine is slow, not broken
#: url path -> (ready-signal name, the table whose key columns must be in view, its columns)
PAGES = {
    "": ("overview", "overview-sites", ["Site", "Rating shown"]),
    "listings": ("listings", "listings-table", ["Verdict", "Site"]),
    "reviews": ("reviews", "reviews-table", ["Rating", "Status"]),
    "compliance": ("compliance", "compliance-findings", ["Case", "Severity", "Kind"]),
    "health": ("health", "health-runs", ["Status", "Errors"]),
}
WIDTHS = {"desktop": 1400, "phone": 390}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    if not wait_until_up(base, proc, timeout):
        raise RuntimeError(f"the dashboard did not come up (exit code {proc.poll()})")


def _serve(config_path: Path, db_url: str, log: Path):
    """The dashboard as the CLI starts it; yields its base URL, stops it afterwards."""
    config = load_config(config_path)
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            streamlit_command(config, db_url, port=port),
            env=dashboard_env(config, db_url, os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=config_path.parent,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, proc)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _chromium() -> None:
    require_or_skip(bool(shutil.which("chromium")) or Path(CHROMIUM).exists(), "Debian chromium")


@pytest.fixture
def live_dashboard(db_url, tmp_path):
    _chromium()
    seeded = seed(db_url)
    for base in _serve(write_config(tmp_path), db_url, tmp_path / "streamlit.log"):
        yield base, seeded


@pytest.fixture(scope="module")
def demo_dashboard(tmp_path_factory):
    """The demo clinic, made by `quietwatch demo` itself, served by the dashboard."""
    _chromium()
    workdir = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}
    made = subprocess.run(
        [sys.executable, "-m", "quietwatch", "demo", "--dir", str(workdir), "--no-dashboard"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    db_url = f"sqlite:///{workdir / 'data' / 'quietwatch.db'}"
    for base in _serve(workdir / "quietwatch.toml", db_url, workdir / "streamlit.log"):
        yield base, db_url


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    chosen = os.environ.get("QUIETWATCH_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    if not path.is_absolute():
        path = REPO / path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _ready(page, name: str) -> None:
    """The page drew its last element and its script finished."""
    page.locator(f".st-key-qw-ready-{name}").wait_for(state="attached", timeout=WAIT_MS)
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=WAIT_MS)


def _settled(page) -> None:
    """The rerun a closed dialog asks for (its on_dismiss) has run: wait for a run to start,
    if it has not already come and gone, and for the script to be idle again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.locator("[data-testid=stApp][data-test-script-state=running]").wait_for(
            state="attached", timeout=2_000
        )
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=WAIT_MS)


def _open(page, base: str, path: str, query: str = "") -> None:
    page.goto(f"{base}/{path}{query}", timeout=WAIT_MS)
    _ready(page, PAGES[path][0])


def _grid(page, key: str) -> dict:
    """What a table drew: its canvas's place, the headers of the columns it drew (the grid
    draws the columns in view only) and the text of every cell it drew."""
    selector = f".st-key-{key} [data-testid=stDataFrame]"
    page.locator(f"{selector} table th").first.wait_for(state="attached", timeout=WAIT_MS)
    page.locator(selector).scroll_into_view_if_needed()
    return page.evaluate(
        """(selector) => {
            const root = document.querySelector(selector);
            const box = root.querySelector('canvas').getBoundingClientRect();
            const table = root.querySelector('table');
            // What a person sees at the table's first cell: the table, not something over it.
            const seen = document.elementFromPoint(box.left + 8, box.top + 8);
            return {
                left: box.left, right: box.right, width: window.innerWidth,
                covered: !(seen && root.contains(seen)),
                headers: Array.from(table.querySelectorAll('th')).map(th => th.innerText.trim()),
                cells: Array.from(table.querySelectorAll('td')).map(td => td.innerText.trim()),
            };
        }""",
        selector,
    )


def _shoot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main container, so grow the viewport
    to the content's height, let the (canvas) tables repaint, and shoot."""
    width = page.viewport_size["width"]
    height = int(
        page.evaluate(
            "document.querySelector('[data-testid=stMainBlockContainer]')"
            ".getBoundingClientRect().bottom"
        )
    )
    page.set_viewport_size({"width": width, "height": min(height + 40, 8000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a real rendering, not an empty page
    page.set_viewport_size({"width": width, "height": 900})


def test_every_page_of_the_demo_clinic_fits_and_reads_no_none(demo_dashboard, browser, screenshots):
    base, _db_url = demo_dashboard
    for device, width in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        for path, (name, table, key_columns) in PAGES.items():
            _open(page, base, path)
            assert page.locator("[data-testid=stException]").count() == 0, (device, name)
            drawn = _grid(page, table)
            missing = [c for c in key_columns if c not in drawn["headers"]]
            assert not missing, f"{name} at {width} px: {missing} not in view ({drawn['headers']})"
            assert 0 <= drawn["left"] < drawn["width"], (name, width, drawn)
            assert not drawn["covered"], f"{name} at {width} px: the table is covered"
            every_cell = page.evaluate(
                "Array.from(document.querySelectorAll('[data-testid=stDataFrame] td'))"
                ".map(td => td.innerText.trim())"
            )
            assert "None" not in every_cell and "nan" not in every_cell, (name, width)
            _shoot(page, screenshots / f"{name}{'' if device == 'desktop' else '-phone'}.png")
        page.close()


def test_a_finding_acknowledged_in_the_browser_keeps_its_history(
    demo_dashboard, browser, screenshots, tmp_path
):
    base, _db_url = demo_dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    _open(page, base, "compliance", "?kind=owner_response")
    _select_row(page, "compliance-findings", 1, ".st-key-finding-detail")
    page.get_by_text("Acknowledged", exact=True).click()
    page.get_by_label("Note (optional", exact=False).fill("asked who posted it")
    page.get_by_role("button", name="Record in the case log").click()
    page.get_by_text("Recorded as case entry", exact=False).wait_for(timeout=WAIT_MS)
    _ready(page, "compliance")
    _shoot(page, screenshots / "compliance-case-log.png")

    page.reload()  # a new session: what shows now comes from the store
    _ready(page, "compliance")
    _select_row(page, "compliance-findings", 1, "[class*=st-key-case-history-]")
    history = _grid(page, next(k for k in _keys(page) if k.startswith("case-history-")))
    assert "Acknowledged" in history["cells"] and "asked who posted it" in history["cells"]

    with page.expect_download(timeout=WAIT_MS) as download:
        page.get_by_role("button", name="Findings and their cases (CSV)").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "acknowledged" in csv_text and "asked who posted it" in csv_text


def _keys(page) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('[class*=st-key-]')).flatMap(e => "
        "Array.from(e.classList).filter(c => c.startsWith('st-key-')).map(c => c.slice(7)))"
    )


def _select_row(page, key: str, row: int, then: str) -> None:
    """Click row ``row``'s selection box (1 = the first), as a person does, and wait until
    ``then`` (a selector of what the click opens) is drawn."""
    canvas = page.locator(f".st-key-{key} [data-testid=stDataFrame] canvas").first
    canvas.wait_for(timeout=WAIT_MS)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 * row + 17)  # header, then 35 px rows
    page.locator(then).first.wait_for(timeout=WAIT_MS)


def test_a_click_on_a_review_row_opens_it(demo_dashboard, browser, screenshots):
    base, _db_url = demo_dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open(page, base, "reviews")
    drawn = _grid(page, "reviews-table")
    width = len(drawn["headers"])
    first, second = (drawn["cells"][n * width + drawn["headers"].index("Text")] for n in (0, 1))
    detail = page.locator(".st-key-review-detail")
    assert first in detail.inner_text() and second not in detail.inner_text()  # the newest
    _select_row(page, "reviews-table", 2, ".st-key-review-detail")
    page.wait_for_function(
        "(text) => document.querySelector('.st-key-review-detail').innerText.includes(text)",
        arg=second,
        timeout=WAIT_MS,
    )
    _ready(page, "reviews")  # the run the click started has finished
    # A blocked Reply on it: the dialog quotes the demo clinic's own policy file.
    page.get_by_role("button", name="Reply — blocked").click()
    dialog = page.get_by_role("dialog")
    # Its last line drawn: the dialog's whole content is there.
    dialog.get_by_text("Recorded in the audit log as", exact=False).wait_for(timeout=WAIT_MS)
    said = dialog.inner_text()
    assert "We do not reply to reviews on any website" in said
    assert "Harbourview Counselling Collective, Online Communication Policy" in said
    assert "Allura" not in said and "recorded in the audit log as entry" in said.lower()
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "reviews-blocked-reply.png"))


def test_the_seed_in_a_real_browser_stays_inert_and_audited(live_dashboard, db_url, browser):
    base, seeded = live_dashboard
    origin = urlsplit(base)
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", lambda req: requests.append(req.url))
    for path in PAGES:
        _open(page, base, path)
        assert page.locator("[data-testid=stException]").count() == 0
        assert page.get_by_text("Page not found").count() == 0

    # The injected review is the newest, so the Reviews page opens on it.
    _open(page, base, "reviews")
    detail = page.locator(".st-key-review-detail")
    detail.wait_for(timeout=WAIT_MS)
    assert "<script>window.__pwned = 1;" in detail.inner_text()
    assert "![tracker](http://127.0.0.2:9/x.png)" in detail.inner_text()
    assert detail.locator("img, a, script, iframe").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"

    review_id = seeded.reviews["y4"]
    before = len(audit_rows(db_url))
    page.locator(f".st-key-blocked-reply_to_review-review-{review_id}").get_by_role(
        "button", name="Reply — blocked"
    ).click()
    explanation = page.locator(f".st-key-blocked-reply_to_review-review-{review_id}-explanation")
    explanation.get_by_text("Recorded in the audit log as", exact=False).wait_for(timeout=WAIT_MS)
    assert "What to do instead" in explanation.inner_text()
    rows = audit_rows(db_url)
    assert len(rows) == before + 1
    assert (rows[-1]["action_id"], rows[-1]["origin"], rows[-1]["target"]) == (
        "reply_to_review",
        "dashboard",
        f"review {review_id}",
    )
    assert f"entry {rows[-1]['id']}" in explanation.inner_text()
    page.keyboard.press("Escape")  # the dialog closes
    explanation.wait_for(state="detached", timeout=WAIT_MS)
    _settled(page)  # the server has heard the dialog close
    page.get_by_role("button", name="Refresh data").click()  # a rerun: it stays closed
    _ready(page, "reviews")
    assert explanation.count() == 0
    assert f"entry {rows[-1]['id']}" in page.locator(".stMain").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"

    assert requests, "the browser made no requests at all"
    foreign = [
        url
        for url in requests
        if not url.startswith(("data:", "blob:"))
        and (urlsplit(url).hostname, urlsplit(url).port) != (origin.hostname, origin.port)
    ]
    assert foreign == [], sorted(set(foreign))
