"""`make mutation`'s summary: per mutated module, how many mutants the tests killed.

Reads ``mutmut results --all true`` (one ``<module>.<function>__mutmut_<n>: <status>`` line
per mutant).  The killed share counts only the mutants that were run: a mutant no test
reaches ("no tests") counts against the module; "not checked" ones (a run limited with
MUTANTS=, or stopped early) are listed apart and do not count.

``tests/mutation_equivalents.txt`` names the surviving mutants excused as equivalent (no
caller can observe the change), each with its reason; the last column's share leaves those
out.  An excuse whose mutant was killed, or that no result names (the code moved and the
numbering with it), is printed as stale, so the list cannot quietly drift from the code.
"""

import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

# "crawlers.middlewares.xǁReadOnlyMiddlewareǁprocess_request__mutmut_3: killed"
LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ]\S*__mutmut_\d+: (?P<status>.+?)\s*$")
NOT_RUN = "not checked"
EXCUSED = "excused"
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.txt")


def read_equivalents(text: str) -> dict[str, str]:
    """``name  reason`` lines (``#`` starts a comment line); the reason is required."""
    excuses: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"mutation_equivalents.txt, line {number}: {name} has no reason")
        excuses[name] = reason.strip()
    return excuses


def tally(results: str, excused: Iterable[str] = ()) -> dict[str, Counter]:
    """Mutants per module and status; a surviving mutant named in ``excused`` is counted as
    "excused" instead."""
    excused = set(excused)
    by_module: dict[str, Counter] = defaultdict(Counter)
    for line in results.splitlines():
        match = LINE.match(line)
        if match:
            status = match["status"]
            if status == "survived" and line.strip().partition(":")[0] in excused:
                status = EXCUSED
            by_module[match["module"]][status] += 1
    return by_module


def stale_excuses(results: str, excused: Iterable[str]) -> list[str]:
    """Excused mutants that were killed, or that no result names although their module was
    mutated (the code moved and the numbering with it)."""
    statuses, modules = {}, set()
    for line in results.splitlines():
        match = LINE.match(line)
        if match:
            name, _, status = line.strip().partition(": ")
            statuses[name] = status
            modules.add(match["module"])
    return sorted(
        name
        for name in excused
        if statuses.get(name, "survived" if _module(name) not in modules else "missing")
        not in ("survived", NOT_RUN)
    )


def _module(name: str) -> str:
    match = LINE.match(f"{name}: survived")
    return match["module"] if match else ""


def report(by_module: dict[str, Counter]) -> list[str]:
    lines = [
        f"{'module':<36} {'killed':>7} {'of run':>7} {'share':>7} {'w/o eq.':>7}  other outcomes"
    ]
    for module in sorted(by_module):
        counts = by_module[module]
        run = sum(n for status, n in counts.items() if status != NOT_RUN)
        killed = counts["killed"]
        share = f"{killed / run:.0%}" if run else "-"
        judged = run - counts[EXCUSED]
        without = f"{killed / judged:.0%}" if judged else "-"
        other = ", ".join(
            f"{n} {status}" for status, n in sorted(counts.items()) if status != "killed"
        )
        lines.append(f"{module:<36} {killed:>7} {run:>7} {share:>7} {without:>7}  {other}")
    return lines


def main() -> int:
    mutmut = Path(sys.executable).with_name("mutmut")
    results = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    excused = read_equivalents(EQUIVALENTS.read_text(encoding="utf-8"))
    by_module = tally(results, excused)
    if not by_module:
        print("No mutation results yet: run `make mutation` first.")
        return 1
    print("\n".join(report(by_module)))
    stale = stale_excuses(results, excused)
    if stale:
        print(f"\n{len(stale)} excuse(s) in {EQUIVALENTS.name} name no surviving mutant:")
        print("\n".join(f"  {name}" for name in stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
