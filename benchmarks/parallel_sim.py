"""How far the split search would scale: `python benchmarks/parallel_sim.py` prints one table.

It records a real `--jobs 2` run of each search below (every unit's seconds in its
worker, and the coordinator's CPU seconds per unit: sending it, taking its outcome,
committing it), then replays those units against a simulated coordinator with 2, 8,
64 and 1,000 workers: a worker takes the next unit when it is free, and the
coordinator, one process, spends a unit's recorded CPU seconds on it before the unit
is sent and when it comes back. The table gives the simulated time, the speedup over
one worker and the workers' utilisation; the coordinator saturates where its CPU per
unit times the number of workers reaches the seconds of a unit.

What it leaves out, said plainly: the units are taken as independent and all ready
(so it is an upper bound), and with DPOR the units that run again because a unit
ahead of them grew their wakeup tree are replayed as they happened in the 2-worker
run, not as they would happen with more workers.
"""

from __future__ import annotations

import heapq
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rasmodel as rm  # noqa: E402
from rasmodel.explore.units import Outcome  # noqa: E402
from rasmodel.parallel import coordinator  # noqa: E402

SEARCHES = [
    (
        "NMI spinlock 3, no reduction, 20,000 executions",
        "benchmarks/spin/nmi_spinlock.py",
        {"params": {"n": 3}, "reduction": "none", "max_executions": 20000},
    ),
    ("sea_estatus_task_work, dpor", "models/sea_estatus_task_work.py", {}),
]
WORKERS = (1, 2, 8, 64, 1000)


def record(model: str, options: dict[str, Any]) -> tuple[list[float], float]:
    """Every unit's seconds in its worker (the ones whose result was not used too),
    and the coordinator's CPU seconds per unit."""
    units: list[float] = []
    real = coordinator.pickle

    class Recording:
        dumps = staticmethod(real.dumps)

        @staticmethod
        def loads(data: bytes) -> Any:
            value = real.loads(data)
            if isinstance(value, Outcome):
                units.append(value.seconds)
            return value

    coordinator.pickle = Recording  # type: ignore[assignment]
    cpu = time.process_time()
    try:
        rm.check(str(ROOT / model), jobs=2, minimize=False, **options)
    finally:
        coordinator.pickle = real
    return units, (time.process_time() - cpu) / max(len(units), 1)


def simulate(units: list[float], per_unit: float, workers: int) -> float:
    """The time to run `units` on `workers`, with one coordinator that spends
    `per_unit` CPU seconds on each, half to send it and half to commit it, one thing
    at a time (events are served in the order they happen)."""
    pending = iter(units)
    events = [(0.0, 0, "free")] * workers  # (time, tie-break, what happened)
    heapq.heapify(events)
    coordinator_free = end = 0.0
    serial = 0
    while events:
        at, _, kind = heapq.heappop(events)
        start = max(at, coordinator_free) + per_unit / 2
        coordinator_free = start
        if kind == "done":
            end = start  # committed
        seconds = next(pending, None) if kind in ("free", "done") else None
        if seconds is not None:
            serial += 1
            heapq.heappush(events, (start + seconds, serial, "done"))
    return end


def main() -> None:
    print(
        "| search | units | s per unit | coordinator CPU per unit | workers | time | speedup "
        "| utilisation |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, model, options in SEARCHES:
        units, per_unit = record(model, options)
        mean = sum(units) / len(units)
        one = simulate(units, per_unit, 1)
        for workers in WORKERS:
            seconds = simulate(units, per_unit, workers)
            busy = sum(units) / (seconds * min(workers, len(units)))
            print(
                f"| {label} | {len(units)} | {mean:.3f} | {per_unit * 1000:.1f} ms | {workers} "
                f"| {seconds:.1f} s | {one / seconds:.1f} | {busy:.0%} |"
            )


if __name__ == "__main__":
    main()
