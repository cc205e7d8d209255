"""Throughput of the explorer: `python benchmarks/run.py` prints one table.

Each row is one full exhaustive check (no minimisation, so the counts are the
search alone). Compare rows and ratios measured in the same run: the machine is
shared and absolute numbers are noisy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rasmodel as rm  # noqa: E402
from models import independent, lost_update  # noqa: E402

ROWS = [
    ("lost update, 2 workers", lambda: lost_update(2)),
    ("lost update, 3 workers", lambda: lost_update(3)),
    ("lost update, 4 workers", lambda: lost_update(4)),
    ("independent 2 x 4", lambda: independent(2, 4)),
    ("independent 3 x 3", lambda: independent(3, 3)),
    ("independent 4 x 2", lambda: independent(4, 2)),
    ("independent 3 x 4", lambda: independent(3, 4)),
]


def measure(make, reduction: str | None) -> tuple[int, int, float, str]:
    options = {"minimize": False, "properties": ["deadlock"]}
    if reduction is not None:
        options["reduction"] = reduction
    start = time.perf_counter()
    result = rm.check(make(), **options)
    seconds = time.perf_counter() - start
    verdict = "exhaustive" if result.exhaustive else "bounded"
    return result.stats.executions, result.stats.steps, seconds, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the small rows")
    args = parser.parse_args()
    rows = ROWS[:4] if args.quick else ROWS
    header = (
        f"{'program':<26}{'executions':>12}{'steps':>12}{'seconds':>10}"
        f"{'exec/s':>10}{'steps/s':>10}"
    )
    print(header)
    print("-" * len(header))
    for label, make in rows:
        executions, steps, seconds, verdict = measure(make, None)
        print(
            f"{label:<26}{executions:>12,}{steps:>12,}{seconds:>10.2f}"
            f"{executions / seconds:>10,.0f}{steps / seconds:>10,.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
