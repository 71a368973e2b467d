"""Run the benchmarks: `python -m bench [name ...]` (default: all), or one with its options,
`python -m bench crawl --pages 2000`.  They print figures; the exit status is non-zero when
any bench found its own work wrong (or measured nothing)."""

import importlib
import sys

BENCHES = {
    "crawl": "bench.crawl",
    "store": "bench.store",
    "checker": "bench.checker",
    "dashboard": "bench.dashboard",
    "recrawl": "bench.recrawl",
    "parse": "bench.parse",
}


def main() -> int:
    args = sys.argv[1:]
    names = []
    while args and args[0] in BENCHES:
        names.append(args.pop(0))
    if args and len(names) != 1:
        sys.exit(
            f"usage: python -m bench [{'|'.join(BENCHES)} ...] | python -m bench NAME [options]"
        )
    failed = []
    for name in names or list(BENCHES):
        print(f"== {name}", flush=True)
        try:
            status = importlib.import_module(BENCHES[name]).main(args)
        except SystemExit as exc:  # a bench that found its work wrong says why and exits
            if exc.code not in (None, 0):
                print(exc.code if isinstance(exc.code, str) else "", file=sys.stderr)
                status = 1
            else:
                status = 0
        if status:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
