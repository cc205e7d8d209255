"""`--jobs` and `--cluster` against one process: `python benchmarks/parallel.py` prints one table.

Each row is one model checked end to end as a user runs it (`python -m rasmodel check
FILE ... --format json --no-minimize` in a subprocess), with `--jobs 1`, `--jobs 2`
and `--cluster local --jobs 2` (a Dask LocalCluster of 2 workers; skipped when Dask
is not installed). The table gives the seconds of each, the ratio to `--jobs 1`, and
whether verdicts, executions and pruned runs are the same (they must be). The last
line gives the largest resident memory of any process of the runs (coordinator or
worker). The machine is shared: compare the ratios within one run. `--long` adds
the seed model with 40,167 executions (about 4 minutes per run).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, model file, extra arguments)
ROWS = [
    ("lost update 5, dpor", "benchmarks/spin/lost_update.py", ["-D", "n=5"]),
    (
        "NMI spinlock 3, no reduction, 40,000 executions",
        "benchmarks/spin/nmi_spinlock.py",
        ["-D", "n=3", "--reduction", "none", "--max-executions", "40000"],
    ),
    ("sea_estatus_task_work, dpor", "models/sea_estatus_task_work.py", []),
    ("sea_mf_queue_in_nmi, dpor", "models/sea_mf_queue_in_nmi.py", []),
]
LONG = [("sea_estatus_workqueue, dpor", "models/sea_estatus_workqueue.py", [])]


def run(model: str, extra: list[str], parallel: list[str]) -> tuple[float, tuple[object, ...]]:
    """Seconds end to end, and what must not change with the number of workers."""
    command = [sys.executable, "-m", "rasmodel", "check", model, *extra]
    command += ["--format", "json", "--no-minimize", *parallel]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    stats = result["stats"]
    verdicts = sorted((p["name"], p["verdict"]) for p in result["properties"])
    return seconds, (stats["executions"], stats["pruned"], verdicts)


def _has_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="add the 40,167-execution seed model")
    args = parser.parse_args()
    rows = ROWS + (LONG if args.long else [])
    dask = _has_dask()
    header = "| model | executions | --jobs 1 | --jobs 2 | ratio | --cluster local | ratio | same |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for label, model, extra in rows:
        one, single = run(model, extra, ["--jobs", "1"])
        two, split = run(model, extra, ["--jobs", "2"])
        same = split == single
        cluster = ratio = "-"
        if dask:
            seconds, clustered = run(model, extra, ["--jobs", "2", "--cluster", "local"])
            same = same and clustered == single
            cluster, ratio = f"{seconds:.1f} s", f"{seconds / one:.2f}"
        print(
            f"| {label} | {single[0]:,} (+{single[1]:,} pruned) | {one:.1f} s | {two:.1f} s "
            f"| {two / one:.2f} | {cluster} | {ratio} | {'yes' if same else 'NO'} |"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nlargest resident memory of a coordinator or worker process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
