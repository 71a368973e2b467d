"""`quietwatch dashboard` itself: binds 127.0.0.1 by default and stops with its Streamlit
child when systemd (or anyone) sends it SIGTERM."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO
from tests.dashboard.conftest import write_config
from tests.dashboard.seed import seed
from tests.dashboard.test_browser import _free_port, _wait_healthy

pytestmark = pytest.mark.slow


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_dashboard_command_binds_localhost_and_stops_on_sigterm(db_url, tmp_path) -> None:
    seed(db_url)
    config = write_config(tmp_path)
    port = _free_port()
    env = {**os.environ, "QUIETWATCH_DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quietwatch",
            "--config",
            str(config),
            "dashboard",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        listening = subprocess.run(
            ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True
        )
        if listening.returncode == 0 and listening.stdout.strip():
            assert all("127.0.0.1:" in line for line in listening.stdout.strip().splitlines())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _answers(base) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not _answers(base), "Streamlit kept running after quietwatch dashboard was stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
