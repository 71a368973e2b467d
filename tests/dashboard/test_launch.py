"""`quietwatch dashboard` itself: binds 127.0.0.1 by default, prints its URL last once it
answers, refuses a taken port and (without sign-in) any address beyond loopback, and stops
with its Streamlit child when systemd (or anyone) sends it SIGTERM."""

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
        deadline = time.monotonic() + 60
        lines: list[str] = []
        while not any(f"http://127.0.0.1:{port}" == line.strip() for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(proc.stdout.readline())
        # The URL is the last thing said, on a line of its own (Streamlit's banner is not).
        assert lines[-1].strip() == f"http://127.0.0.1:{port}"
        assert not any("You can now view" in line for line in lines)
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


def _dashboard(config, *args: str) -> subprocess.CompletedProcess:
    """`quietwatch dashboard ...` expected to refuse at once; should it start after all,
    it and its Streamlit child are stopped (a process group of their own)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "quietwatch", "--config", str(config), "dashboard", *args],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_beyond_loopback_without_sign_in_it_refuses_to_start(tmp_path) -> None:
    config = write_config(tmp_path)
    result = _dashboard(config, "--host", "0.0.0.0", "--port", str(_free_port()))
    assert result.returncode == 2
    said = " ".join(result.stdout.split())
    assert "Not starting the dashboard" in said and "0.0.0.0" in said
    assert "[auth] section" in said and "reverse proxy" in said
    assert "Traceback" not in result.stdout + result.stderr


def test_a_taken_port_is_refused_with_a_hint(tmp_path) -> None:
    import socket

    config = write_config(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _dashboard(config, "--port", str(port))
    assert result.returncode == 2
    said = " ".join(result.stdout.split())
    assert f"Port {port} on 127.0.0.1 is taken" in said and "--port" in said
