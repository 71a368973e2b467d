"""Run the benchmarks: `python -m bench [name ...]` (default: all).  They print figures."""

import importlib
import sys

BENCHES = {
    "crawl": "bench.crawl",
    "checker": "bench.checker",
    "dashboard": "bench.dashboard",
    "recrawl": "bench.recrawl",
    "parse": "bench.parse",
}


def main() -> None:
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        print(f"== {name}")
        importlib.import_module(BENCHES[name]).main([])


if __name__ == "__main__":
    main()
