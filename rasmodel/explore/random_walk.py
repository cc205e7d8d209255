"""`--strategy random`: each execution picks uniformly among the enabled actors.

Seeded, so `--seed` reproduces a run; never exhaustive. Useful as a quick smoke test
of a model too large to enumerate, and as the baseline PCT improves on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from rasmodel.execution import Execution
from rasmodel.explore.base import DefaultScheduler


class RandomScheduler(DefaultScheduler):
    """Uniform choices from a shared random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        return enabled[self.rng.randrange(len(enabled))]

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        return self.rng.randrange(len(options))


class RandomWalk:
    """`max_executions` independent random executions."""

    name = "random"
    exhaustive = False

    def __init__(self, *, seed: int, max_executions: int) -> None:
        self.rng = random.Random(seed)
        self.remaining = max_executions

    def next_scheduler(self) -> RandomScheduler | None:
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        return RandomScheduler(self.rng)

    def finished(self, execution: Execution) -> None:
        return None
