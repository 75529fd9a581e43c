"""Run every benchmark: the `main()` of each bench/bench_*.py module, in name order."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def bench_modules() -> list[str]:
    folder = Path(__file__).parent
    return sorted(f"{__package__}.{path.stem}" for path in folder.glob("bench_*.py"))


def main() -> int:
    failed = []
    for name in bench_modules():
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(name).main()
        except Exception as error:  # one broken bench must not hide the others
            print(f"{name} failed: {error!r}", file=sys.stderr, flush=True)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
