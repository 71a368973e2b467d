"""`make mutation`'s summary: per mutated module, how many mutants the tests killed.

Reads ``mutmut results --all true`` (one ``<module>.<function>__mutmut_<n>: <status>`` line
per mutant).  The killed share counts only the mutants that were run: a mutant no test
reaches ("no tests") counts against the module; "not checked" ones (a run limited with
MUTANTS=, or stopped early) are listed apart and do not count.
"""

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

# "crawlers.middlewares.xǁReadOnlyMiddlewareǁprocess_request__mutmut_3: killed"
LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ]\S*__mutmut_\d+: (?P<status>.+?)\s*$")
NOT_RUN = "not checked"


def tally(results: str) -> dict[str, Counter]:
    by_module: dict[str, Counter] = defaultdict(Counter)
    for line in results.splitlines():
        match = LINE.match(line)
        if match:
            by_module[match["module"]][match["status"]] += 1
    return by_module


def report(by_module: dict[str, Counter]) -> list[str]:
    lines = [f"{'module':<36} {'killed':>7} {'of run':>7} {'share':>7}  other outcomes"]
    for module in sorted(by_module):
        counts = by_module[module]
        run = sum(n for status, n in counts.items() if status != NOT_RUN)
        killed = counts["killed"]
        share = f"{killed / run:.0%}" if run else "-"
        other = ", ".join(
            f"{n} {status}" for status, n in sorted(counts.items()) if status != "killed"
        )
        lines.append(f"{module:<36} {killed:>7} {run:>7} {share:>7}  {other}")
    return lines


def main() -> int:
    mutmut = Path(sys.executable).with_name("mutmut")
    results = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    by_module = tally(results)
    if not by_module:
        print("No mutation results yet: run `make mutation` first.")
        return 1
    print("\n".join(report(by_module)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
