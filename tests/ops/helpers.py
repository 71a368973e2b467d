"""Shared bits for the operations tests: config files, running the CLI, a local SMTP server."""

import email
import email.policy
import os
import subprocess
import sys
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from tests.conftest import REPO

MINIMAL_CLINIC = """
[clinic]
name = "Harbourview Counselling Collective"
slug = "harbourview"
street_address = "1234 West Broadway, Suite 210"
city = "Vancouver"
province = "BC"
postal_code = "V6H 1G9"
phone = "+1 604-555-0142"
website = "https://harbourview-counselling.example"
"""


def minimal_config(directory: Path, extra: str = "") -> Path:
    """A clinic with no sources (a crawl of it does nothing, quickly)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "quietwatch.toml"
    path.write_text(MINIMAL_CLINIC + '\n[database]\ndata_dir = "data"\n' + extra, encoding="utf-8")
    return path


def notifications_toml(smtp_port: int, *, include_text: bool = False) -> str:
    url = (
        f"mailto://127.0.0.1:{smtp_port}?mode=insecure"
        "&from=quietwatch@harbourview.example&to=manager@harbourview.example"
    )
    return (
        "\n[notifications]\n"
        f'urls = ["{url}"]\n'
        f"include_review_text = {'true' if include_text else 'false'}\n"
        'dashboard_url = "http://127.0.0.1:8501"\n'
    )


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}
    env.update(extra)
    return env


def quietwatch(
    config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quietwatch", "--config", str(config), *args],
        cwd=REPO,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Mailbox:
    """Messages received by the aiosmtpd handler."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def bodies(self) -> list[str]:
        return [message.get_content() for message in self.messages]
