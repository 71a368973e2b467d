"""How to start the dashboard: the one command line the CLI and the browser test use."""

import sys
from collections.abc import Mapping
from pathlib import Path

from store.config import QuietWatchConfig

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
    return [
        python or sys.executable,
        "-m",
        "streamlit",
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
    ]


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
