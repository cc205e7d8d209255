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
from collections.abc import Callable

from rasmodel.choices import RUN, Point
from rasmodel.errors import UsageError
from rasmodel.execution import Run
from rasmodel.explore.strategy import Execute


class PctRun(Run):
    """One PCT execution: priorities, change points, highest priority first."""

    def __init__(self, rng: random.Random, depth: int, steps: int) -> None:
        self.rng = rng
        self.depth = depth
        count = min(depth - 1, steps)
        self.change_points = sorted(rng.sample(range(1, steps + 1), count)) if count else []
        self.priority: dict[str, float] = {}
        self.step = 0

    def choose(self, point: Point) -> int:
        if point.kind != RUN:
            return self.rng.randrange(len(point.options))
        self.step += 1
        for actor in point.options:
            if actor not in self.priority:
                self.priority[actor] = self.depth + self.rng.random()
        last = point.current
        if self.change_points and self.step == self.change_points[0] and last in self.priority:
            self.change_points.pop(0)
            passed = self.depth - 1 - len(self.change_points)
            self.priority[str(last)] = self.depth - passed
        best = max(point.options, key=self.priority.__getitem__)
        return point.options.index(best)


class Pct:
    """`max_executions` PCT executions of depth `depth`; the number of steps per
    execution is learned from the first one."""

    name = "pct"
    exhaustive = False

    def __init__(self, *, seed: int, max_executions: int, depth: int) -> None:
        if depth < 1:
            raise UsageError(f"--pct-depth must be at least 1, not {depth}.")
        self.rng = random.Random(seed)
        self.max_executions = max_executions
        self.depth = depth

    def explore(self, execute: Execute, stop: Callable[[], bool]) -> None:
        steps = 0
        for index in range(self.max_executions):
            if stop():
                return
            execution = execute(PctRun(self.rng, self.depth, steps))
            steps = max(steps, len(execution.steps))
            if index == 0 and self.depth - 1 > steps:
                raise UsageError(
                    f"--pct-depth {self.depth} needs at least {self.depth - 1} steps per "
                    f"execution to place its change points, but this model's execution has "
                    f"{steps}; use a depth of at most {steps + 1}."
                )
