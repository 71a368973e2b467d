"""Where the CLI prints: one console for output, one for errors (Rich)."""

import sys

from rich.console import Console

console = Console(stderr=False, highlight=False)
err = Console(stderr=True, highlight=False)


def report_console() -> Console:
    """A console for one command's report (tests swap stdout): wide when not a terminal."""
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
