"""`--strategy random`: each execution picks uniformly among the enabled actors.

Seeded, so `--seed` reproduces a run; never exhaustive. Useful as a quick smoke test
of a model too large to enumerate, and as the baseline PCT improves on.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from rasmodel.choices import Point
from rasmodel.execution import Run
from rasmodel.explore.strategy import Execute


class RandomRun(Run):
    """Uniform choices from a shared random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def choose(self, point: Point) -> int:
        return self.rng.randrange(len(point.options))


class RandomWalk:
    """`max_executions` independent random executions."""

    name = "random"
    exhaustive = False

    def __init__(self, *, seed: int, max_executions: int) -> None:
        self.rng = random.Random(seed)
        self.max_executions = max_executions

    def explore(self, execute: Execute, stop: Callable[[], bool]) -> None:
        for _ in range(self.max_executions):
            if stop():
                return
            execute(RandomRun(self.rng))
