"""`quietwatch schedule`: the cron line and systemd units, printed and installed, and the
line it prints really runs the crawl."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from quietwatch.schedule import cron_timing, merge_crontab
from tests.ops.helpers import clean_env, minimal_config, quietwatch

CRON_LINE = re.compile(r"^(\S+ \S+ \S+ \S+ \S+) (.+)$")


def _entry(output: str) -> tuple[str, str]:
    lines = [line for line in output.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1, output
    match = CRON_LINE.match(lines[0])
    assert match, lines[0]
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("hours", "pattern"),
    [
        (24, r"^\d+ [3-5] \* \* \*$"),
        (6, r"^\d+ (\*/6|\d-23/6) \* \* \*$"),
        (1, r"^\d+ \* \* \* \*$"),
        (0.25, r"^\*/15 \* \* \* \*$"),
        (48, r"^\d+ [3-5] \*/2 \* \*$"),
    ],
)
def test_cron_timing_for_intervals(hours, pattern) -> None:
    timing = cron_timing(hours, "harbourview")
    assert re.match(pattern, timing.spec), timing.spec
    minute = timing.spec.split()[0]
    assert minute.startswith("*") or 0 <= int(minute) < 60


def test_uneven_interval_is_said_plainly() -> None:
    timing = cron_timing(5, "harbourview")
    assert timing.spec.split()[1] in ("*/4", "1-23/4", "2-23/4", "3-23/4")
    assert "5 h" in timing.note and "every 4 h" in timing.note
    assert cron_timing(24, "harbourview").note is None


@pytest.mark.slow
def test_printed_cron_line_runs_the_crawl(tmp_path: Path) -> None:
    config = minimal_config(tmp_path / "clinic", "\n[crawl]\ninterval_hours = 6\n")
    result = quietwatch(config, "schedule")
    assert result.returncode == 0, result.stderr
    spec, command = _entry(result.stdout)
    assert re.match(r"^\d+ (\*/6|\d-23/6) \* \* \*$", spec)
    venv_script = Path(sys.executable).parent / "quietwatch"
    assert command.startswith(
        str(venv_script.absolute()) if venv_script.exists() else sys.executable
    )
    assert f"--config {config.resolve()}" in command
    assert "crawl --no-progress --trigger schedule" in command
    log = tmp_path / "clinic" / "data" / "schedule.log"
    assert f">> {log} 2>&1" in command
    # Run the command exactly as cron would: /bin/sh, a bare environment, another directory.
    ran = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, log.read_text() if log.exists() else ran.stderr
    assert "Nothing was crawled" in log.read_text()


def _fake_crontab(directory: Path) -> Path:
    """`crontab` is an OS boundary: this stand-in keeps the table in a file, like cron would."""
    directory.mkdir()
    table = directory / "table"
    script = directory / "crontab"
    script.write_text(
        "#!/bin/sh\n"
        f'TABLE="{table}"\n'
        'if [ "$1" = "-l" ]; then\n'
        '  if [ -f "$TABLE" ]; then cat "$TABLE"; exit 0; fi\n'
        '  echo "no crontab for $(id -un)" >&2; exit 1\n'
        "fi\n"
        'if [ "$1" = "-" ]; then cat > "$TABLE"; exit 0; fi\n'
        "exit 2\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return table


def test_install_writes_the_user_crontab_once(tmp_path: Path) -> None:
    table = _fake_crontab(tmp_path / "bin")
    env = clean_env(PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    config = minimal_config(tmp_path / "clinic")

    first = quietwatch(config, "schedule", "--install", env=env)
    assert first.returncode == 0, first.stderr
    installed = table.read_text()
    spec, command = _entry(installed)
    assert "--trigger schedule" in command and str(config.resolve()) in command

    table.write_text("MAILTO=ops@example.org\n0 1 * * * /usr/bin/backup\n" + installed)
    second = quietwatch(config, "schedule", "--install", env=env)
    assert second.returncode == 0, second.stderr
    final = table.read_text()
    assert final.count("# >>> quietwatch harbourview >>>") == 1  # replaced, not added again
    assert final.startswith("MAILTO=ops@example.org\n0 1 * * * /usr/bin/backup\n")
    assert _entry(final.split("/usr/bin/backup\n", 1)[1]) == (spec, command)


def test_merge_keeps_other_clinics() -> None:
    other = "# >>> quietwatch other >>>\n1 2 * * * x\n# <<< quietwatch other <<<\n"
    mine = "# >>> quietwatch harbourview >>>\n5 3 * * * y\n# <<< quietwatch harbourview <<<\n"
    merged = merge_crontab(other + mine.replace("y", "old"), mine, "harbourview")
    assert merged == other + mine


@pytest.mark.slow
def test_systemd_units_printed_and_installed(tmp_path: Path) -> None:
    config = minimal_config(tmp_path / "clinic", "\n[crawl]\ninterval_hours = 12\n")
    printed = quietwatch(config, "schedule", "--systemd")
    assert printed.returncode == 0, printed.stderr
    assert "# quietwatch-harbourview.service" in printed.stdout
    assert "OnUnitActiveSec=43200s" in printed.stdout

    units = tmp_path / "units"
    installed = quietwatch(config, "schedule", "--systemd", "--install", "--unit-dir", str(units))
    assert installed.returncode == 0, installed.stderr
    service = (units / "quietwatch-harbourview.service").read_text()
    timer = (units / "quietwatch-harbourview.timer").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", service, re.M).group(1)
    assert exec_start.endswith(
        f"--config {config.resolve()} crawl --no-progress --trigger schedule"
    )
    assert "Type=oneshot" in service and "SuccessExitStatus=75" in service
    assert "Unit=quietwatch-harbourview.service" in timer and "WantedBy=timers.target" in timer
    ran = subprocess.run(
        ["/bin/sh", "-c", exec_start],
        cwd="/",
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
