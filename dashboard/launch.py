"""How to start the dashboard: the one command line the CLI, the bench and the browser test
use, and how to know it is up."""

import errno
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from dashboard import auth
from store.config import QuietWatchConfig, is_loopback, relative_to_config

APP = Path(__file__).resolve().parent / "app.py"


def streamlit_command(
    config: QuietWatchConfig | None,
    db_url: str,
    *,
    host: str | None = None,
    port: int | None = None,
    python: str | None = None,
) -> list[str]:
    """``streamlit run dashboard/app.py`` bound to the configured address (127.0.0.1 by
    default), headless, with Streamlit's usage statistics off so the browser talks to
    nobody but the dashboard.  ``db_url`` travels in the environment (:func:`dashboard_env`);
    it is a parameter here so that callers cannot forget it."""
    if not db_url:
        raise ValueError("the dashboard needs a database URL")
    dashboard = config.dashboard if config is not None else None
    address = host or (dashboard.host if dashboard else "127.0.0.1")
    chosen_port = port or (dashboard.port if dashboard else 8501)
    secrets = ["--secrets.files", str(secrets_file(config))] if config is not None else []
    return [
        python or sys.executable,
        "-m",
        "dashboard.serve",  # Streamlit's command line, the pages' imports done first
        "run",
        str(APP),
        "--server.address",
        address,
        "--server.port",
        str(chosen_port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--browser.serverAddress",
        address,
        "--browser.serverPort",
        str(chosen_port),
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
        *secrets,
    ]


def secrets_file(config: QuietWatchConfig) -> Path:
    """Streamlit's secrets file for this config (``[dashboard] secrets_file``, absolute)."""
    return relative_to_config(config, config.dashboard.secrets_file)


def exposure_problem(config: QuietWatchConfig | None, host: str) -> str | None:
    """Why the dashboard must not start on ``host`` (None: it may).  Beyond loopback it
    shows review text to the network, so sign-in must be configured first."""
    if is_loopback(host):
        return None
    if config is None:
        return auth.refusal(host, Path(".streamlit/secrets.toml"), "no configuration file")
    path = secrets_file(config)
    problem = auth.auth_problem(path, config.dashboard.auth_provider)
    return auth.refusal(host, path, problem) if problem else None


def port_taken(host: str, port: int) -> bool:
    """Something already listens on (host, port): a second dashboard, another program."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Streamlit binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def wait_until_up(url: str, child: subprocess.Popen, timeout: float = 120) -> bool:
    """True once the dashboard started as ``child`` answers its health check at ``url``;
    False when it exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:  # noqa: S310 (our own http URL)
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def dashboard_env(
    config: QuietWatchConfig | None, db_url: str, base: Mapping[str, str]
) -> dict[str, str]:
    """``base`` (the caller's environment) plus what the dashboard reads:
    ``QUIETWATCH_DATABASE_URL`` and, when the config came from a file, ``QUIETWATCH_CONFIG``."""
    env = dict(base)
    env["QUIETWATCH_DATABASE_URL"] = db_url
    if config is not None and config.path is not None:
        env["QUIETWATCH_CONFIG"] = str(config.path)
    else:
        env.pop("QUIETWATCH_CONFIG", None)
    return env


def dashboard_url(config: QuietWatchConfig | None, *, port: int | None = None) -> str:
    dashboard = config.dashboard if config is not None else None
    host = dashboard.host if dashboard else "127.0.0.1"
    return f"http://{host}:{port or (dashboard.port if dashboard else 8501)}"
