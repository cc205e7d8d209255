"""`--strategy hypothesis`: Hypothesis draws the choice sequence and shrinks it.

Each execution is one Hypothesis example: every scheduling choice is an integer
drawn from `data`, with the running actor at index 0, so Hypothesis's shrinker
(which lowers integers and deletes draws) moves toward fewer preemptions. A
violation fails the example; Hypothesis shrinks it and the checker then minimises
and re-verifies it like any other. Failing examples are kept in a database under
`.rasmodel/hypothesis/`, one directory per model and parameters, and replayed
first on the next run.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Sequence
from typing import Any

from rasmodel.execution import Execution, Scheduler
from rasmodel.explore.base import DefaultScheduler

RunFn = Callable[[Scheduler], Execution]


class _Found(Exception):
    def __init__(self, execution: Execution) -> None:
        super().__init__(execution.violations[0].property)
        self.execution = execution


class DrawScheduler(DefaultScheduler):
    """Choices drawn from a Hypothesis `data` object."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data = data
        self.st = st

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        order = list(enabled)
        if last is not None and last in enabled:
            order.remove(last)
            order.insert(0, last)
        if len(order) == 1:
            return order[0]
        return order[self.data.draw(self.st.integers(0, len(order) - 1))]

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        return int(self.data.draw(self.st.integers(0, len(options) - 1)))


class HypothesisSearch:
    """Runs Hypothesis until every property failed or the example budget is spent."""

    name = "hypothesis"
    exhaustive = False

    def __init__(self, *, seed: int, max_executions: int, key: str) -> None:
        self.seed = seed
        self.max_executions = max_executions
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        self.database_path = os.path.join(".rasmodel", "hypothesis", digest)

    def drive(self, run: RunFn, stop: Callable[[], bool]) -> list[Execution]:
        """Explore with Hypothesis; returns one shrunk violating execution per failure."""
        from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
        from hypothesis import strategies as st
        from hypothesis.database import DirectoryBasedExampleDatabase

        found: list[Execution] = []
        known: set[str] = set()

        @settings(
            max_examples=self.max_executions,
            database=DirectoryBasedExampleDatabase(self.database_path),
            deadline=None,
            verbosity=Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.reuse, Phase.generate, Phase.shrink],
        )
        @given(st.data())
        def example(data: Any) -> None:
            assume(not stop())
            execution = run(DrawScheduler(data))
            if any(v.property not in known for v in execution.violations):
                raise _Found(execution)

        # Hypothesis seeds each run from the global `random` module; `@seed` would
        # be simpler but turns its example database off.
        saved = random.getstate()
        random.seed(self.seed)
        try:
            while not stop():
                try:
                    example()
                except _Found as failure:
                    found.append(failure.execution)
                    known.update(v.property for v in failure.execution.violations)
                else:
                    break
        finally:
            random.setstate(saved)
        return found
