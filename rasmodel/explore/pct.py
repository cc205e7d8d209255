"""`--strategy pct`: probabilistic concurrency testing.

Burckhardt, Kothari, Musuvathi and Nagarakatte, "A Randomized Scheduler with
Probabilistic Guarantees of Finding Bugs", ASPLOS 2010. Each execution gives every
actor a random priority (all above `depth`), picks `depth - 1` random change points
among the steps, and always runs the highest-priority enabled actor; at the i-th
change point the running actor drops to priority `depth - i`. A bug of depth d is
found by one execution with probability at least 1/(n k^(d-1)) for n actors and k
steps. The step count k is learned from the first execution.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from rasmodel.errors import UsageError
from rasmodel.execution import Execution
from rasmodel.explore.base import DefaultScheduler


class PctScheduler(DefaultScheduler):
    """One PCT execution: priorities, change points, highest priority first."""

    def __init__(self, rng: random.Random, depth: int, steps: int) -> None:
        self.rng = rng
        self.depth = depth
        count = min(depth - 1, steps)
        self.change_points = sorted(rng.sample(range(1, steps + 1), count)) if count else []
        self.priority: dict[str, float] = {}
        self.step = 0

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        self.step += 1
        for actor in enabled:
            if actor not in self.priority:
                self.priority[actor] = self.depth + self.rng.random()
        if self.change_points and self.step == self.change_points[0] and last in self.priority:
            self.change_points.pop(0)
            passed = self.depth - 1 - len(self.change_points)
            self.priority[str(last)] = self.depth - passed
        return max(enabled, key=self.priority.__getitem__)

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        return self.rng.randrange(len(options))


class Pct:
    """`max_executions` PCT executions of depth `depth`."""

    name = "pct"
    exhaustive = False

    def __init__(self, *, seed: int, max_executions: int, depth: int) -> None:
        if depth < 1:
            raise UsageError(f"--pct-depth must be at least 1, not {depth}.")
        self.rng = random.Random(seed)
        self.remaining = max_executions
        self.depth = depth
        self.steps = 0

    def next_scheduler(self) -> PctScheduler | None:
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        return PctScheduler(self.rng, self.depth, self.steps)

    def finished(self, execution: Execution) -> None:
        first = self.steps == 0
        self.steps = max(self.steps, len(execution.steps))
        if first and self.depth - 1 > self.steps:
            raise UsageError(
                f"--pct-depth {self.depth} needs at least {self.depth - 1} steps per "
                f"execution to place its change points, but this model's execution has "
                f"{self.steps}; use a depth of at most {self.steps + 1}."
            )
