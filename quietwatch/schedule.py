"""`quietwatch schedule`: the cron entry or systemd timer that runs the crawl on the
configured interval, printed, or installed with ``--install``.

The scheduled command is ``<venv>/bin/quietwatch --config <absolute path> crawl
--no-progress --trigger schedule``; overlapping runs are refused by the crawl lock
(``quietwatch.lock``), and a failed run is recorded and simply retried on the next tick.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from quietwatch.console import console
from quietwatch.lock import lock_path
from store.config import QuietWatchConfig

BEGIN = "# >>> quietwatch {key} >>>"
END = "# <<< quietwatch {key} <<<"


def quietwatch_executable() -> list[str]:
    """The venv's `quietwatch` script by absolute path (cron has no venv on PATH)."""
    script = Path(sys.executable).parent / "quietwatch"
    if script.exists():
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "quietwatch"]


def crawl_command(config: QuietWatchConfig) -> list[str]:
    if config.path is None:
        raise click.UsageError("the schedule needs a configuration file (--config)")
    return [
        *quietwatch_executable(),
        "--config",
        str(config.path.resolve()),
        "crawl",
        "--no-progress",
        "--trigger",
        "schedule",
    ]


def _quote(part: str) -> str:
    import shlex

    return shlex.quote(part)


def _minute(key: str) -> int:
    """A fixed minute per clinic, so many clinics on one machine do not all start at :00."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 60


@dataclass
class CronTiming:
    spec: str
    note: str | None = None


def cron_timing(interval_hours: float, key: str) -> CronTiming:
    """Cron fields for the interval; cron can only step evenly through an hour or a day."""
    minute = _minute(key)
    minutes = round(interval_hours * 60)
    if minutes < 60:
        step = max(1, minutes)
        exact = 60 % step == 0
        step = step if exact else max(d for d in range(1, step + 1) if 60 % d == 0)
        note = (
            None
            if exact
            else f"every {minutes} min is not a step cron can make; runs every {step} min"
        )
        return CronTiming(f"*/{step} * * * *" if step > 1 else "* * * * *", note)
    hours = interval_hours
    if hours < 24:
        whole = round(hours)
        exact = abs(hours - whole) < 1e-9 and 24 % whole == 0
        step = whole if exact else max(d for d in (1, 2, 3, 4, 6, 8, 12) if d <= hours)
        note = (
            None if exact else f"every {hours:g} h is not a step cron can make; runs every {step} h"
        )
        hour = "*" if step == 1 else f"{minute % step}-23/{step}" if minute % step else f"*/{step}"
        return CronTiming(f"{minute} {hour} * * *", note)
    days = hours / 24
    whole_days = max(1, round(days))
    note = (
        None
        if abs(days - whole_days) < 1e-9
        else f"every {hours:g} h rounded to {whole_days} day(s)"
    )
    hour = 3 + minute % 3  # at night, when nobody reads the dashboard
    day = "*" if whole_days == 1 else f"*/{whole_days}"
    if whole_days > 1:
        note = (note + "; " if note else "") + "day-of-month steps restart at each month's start"
    return CronTiming(f"{minute} {hour} {day} * *", note)


def cron_block(config: QuietWatchConfig, log_file: Path | None = None) -> str:
    """The crontab lines for this clinic, between markers so --install can replace them."""
    key = config.clinic.key
    timing = cron_timing(config.crawl.interval_hours, key)
    command = " ".join(_quote(p) for p in crawl_command(config))
    if log_file is not None:
        command += f" >> {_quote(str(log_file))} 2>&1"
    lines = [
        BEGIN.format(key=key),
        f"# QuietWatch: crawl {config.clinic.name} every {config.crawl.interval_hours:g} h"
        " (exit 75 = the previous crawl was still running)",
    ]
    if timing.note:
        lines.append(f"# note: {timing.note}")
    if os.environ.get("QUIETWATCH_DATABASE_URL"):
        lines.append(
            "# note: QUIETWATCH_DATABASE_URL is set in this shell but cron will not see it; "
            "put the URL in the config's [database] url (password in ~/.pgpass)"
        )
    lines += [f"{timing.spec} {command}", END.format(key=key)]
    return "\n".join(lines) + "\n"


def systemd_units(config: QuietWatchConfig) -> dict[str, str]:
    """A oneshot service and its timer (systemd never starts a oneshot that is still active)."""
    key = config.clinic.key
    seconds = round(config.crawl.interval_hours * 3600)
    command = " ".join(_quote(p) for p in crawl_command(config))
    service = (
        "[Unit]\n"
        f"Description=QuietWatch crawl for {config.clinic.name}\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={config.path.resolve().parent if config.path else Path.cwd()}\n"
        f"ExecStart={command}\n"
        # 75: the crawl lock was held (a crawl still running); not a failure of this unit.
        "SuccessExitStatus=75\n"
        "Nice=10\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=QuietWatch crawl for {config.clinic.name}, every {config.crawl.interval_hours:g} h\n\n"
        "[Timer]\n"
        "OnBootSec=5min\n"
        f"OnUnitActiveSec={seconds}s\n"
        f"RandomizedDelaySec={min(600, max(1, seconds // 10))}s\n"
        f"Unit=quietwatch-{key}.service\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return {f"quietwatch-{key}.service": service, f"quietwatch-{key}.timer": timer}


def merge_crontab(existing: str, block: str, key: str) -> str:
    """``existing`` with this clinic's old block (if any) replaced by ``block``."""
    begin, end = BEGIN.format(key=key), END.format(key=key)
    kept: list[str] = []
    inside = False
    for line in existing.splitlines():
        if line.strip() == begin:
            inside = True
            continue
        if line.strip() == end:
            inside = False
            continue
        if not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    text = "\n".join(kept)
    return (text + "\n" if text else "") + block


def install_crontab(block: str, key: str) -> str:
    """Replace this clinic's entry in the user's crontab (through `crontab -`)."""
    crontab = shutil.which("crontab")
    if crontab is None:
        raise click.ClickException("no `crontab` command on this machine: use --systemd instead")
    current = subprocess.run([crontab, "-l"], capture_output=True, text=True, timeout=30)
    existing = current.stdout if current.returncode == 0 else ""  # "no crontab for user"
    merged = merge_crontab(existing, block, key)
    result = subprocess.run(
        [crontab, "-"], input=merged, capture_output=True, text=True, timeout=30
    )
    if result.returncode != 0:
        raise click.ClickException(f"crontab refused the entry: {result.stderr.strip()}")
    return merged


def install_units(units: dict[str, str], unit_dir: Path) -> list[Path]:
    unit_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in units.items():
        path = unit_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


@click.command()
@click.option(
    "--systemd",
    "use_systemd",
    is_flag=True,
    help="A systemd service and timer instead of a cron line.",
)
@click.option(
    "--install", is_flag=True, help="Install it: the user's crontab, or unit files in --unit-dir."
)
@click.option(
    "--unit-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=lambda: (
        Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "systemd" / "user"
    ),
    show_default="~/.config/systemd/user",
    help="Where --systemd --install writes the unit files.",
)
@click.option(
    "--log-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where cron appends the crawl's output (default: schedule.log in the data directory).",
)
@click.pass_obj
def schedule(obj, use_systemd: bool, install: bool, unit_dir: Path, log_file: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Print (or --install) the cron entry or systemd timer that crawls on the configured interval.

    Runs `quietwatch crawl --trigger schedule` every `[crawl] interval_hours`.  A crawl that
    is still running when the next one is due makes the new one exit at once (code 75);
    a failed crawl is recorded with its error and retried on the next tick.
    """
    config = obj.config
    if use_systemd:
        units = systemd_units(config)
        if not install:
            for name, text in units.items():
                console.print(f"# {name}\n{text}", markup=False, highlight=False, soft_wrap=True)
            return
        for path in install_units(units, unit_dir):
            console.print(f"Wrote {path}", markup=False)
        timer = next(n for n in units if n.endswith(".timer"))
        console.print(
            f"Enable it with:  systemctl --user daemon-reload && systemctl --user enable --now {timer}",
            markup=False,
        )
        return
    if log_file is None:
        log_file = lock_path(config, obj.db_url, obj.settings).parent / "schedule.log"
    block = cron_block(config, log_file.resolve())
    if not install:
        console.print(block, end="", markup=False, highlight=False, soft_wrap=True)
        return
    install_crontab(block, config.clinic.key)
    console.print(
        f"Installed in your crontab:\n{block}",
        end="",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
