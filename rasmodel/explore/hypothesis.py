"""`--strategy hypothesis`: Hypothesis draws the choice sequence.

Each execution is one Hypothesis example: every choice is an integer drawn from
`data`, with the running actor at index 0, so what Hypothesis tends to draw (small
integers) means few preemptions. An execution with a violation not seen before
fails the example, so Hypothesis keeps it in its database (under
`.rasmodel/hypothesis/`, one directory per model and parameters) and replays it
first on the next run; rasmodel's minimiser shrinks every counterexample, so
Hypothesis's own shrinking is not run. Hypothesis requires an example to depend on
its draws alone, so the search checks every property on every example (see
`Strategy.stable`), and `stop()` (a limit, `--stop-first`) is asked every few
examples, never inside one.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rasmodel.choices import RUN, Point
from rasmodel.execution import Execution, Run
from rasmodel.explore.strategy import Execute

CHUNK = 10  # examples between two looks at `stop()`


class _NewViolation(Exception):
    """Fails the Hypothesis example so that it is kept in the database. Whether an
    example fails depends on its draws alone (Hypothesis replays it to report it)."""

    def __init__(self, execution: Execution | None) -> None:
        super().__init__()
        self.execution = execution


class DrawRun(Run):
    """Choices drawn from a Hypothesis `data` object, the running actor first."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data = data
        self.st = st
        self.draws: list[int] = []  # the size of every draw, to draw them again

    def choose(self, point: Point) -> int:
        count = len(point.options)
        if count == 1:
            return 0
        self.draws.append(count)
        drawn = int(self.data.draw(self.st.integers(0, count - 1)))
        if point.kind == RUN and point.current in point.options:
            order = list(range(count))
            running = point.options.index(point.current)
            order.remove(running)
            order.insert(0, running)
            return order[drawn]
        return drawn


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Hypothesis seeds each run without `@seed` (which would be simpler but turns its
    example database off) from a private `Random` of its own (`hypothesis.core`,
    6.1xx; older versions from the global `random` module, seeded here too): seeded
    with `seed` for the search, so that the same command finds the same examples."""
    import hypothesis.core as core

    local: Any = getattr(core, "threadlocal", None)
    own = local is not None and hasattr(local, "_hypothesis_global_random")
    saved_state, saved_own = random.getstate(), local._hypothesis_global_random if own else None
    random.seed(seed)
    if own:
        local._hypothesis_global_random = random.Random(seed)
    try:
        yield
    finally:
        random.setstate(saved_state)
        if own:
            local._hypothesis_global_random = saved_own


@contextmanager
def _home(directory: str) -> Iterator[None]:
    """Hypothesis's other files (its cache of the constants in the model's source)
    under `directory` too, not in a `.hypothesis/` of the user's working directory."""
    from hypothesis import configuration

    slot = "__hypothesis_home_directory"
    saved = getattr(configuration, slot, None)
    configuration.set_hypothesis_home_dir(directory)
    try:
        yield
    finally:
        setattr(configuration, slot, saved)


class HypothesisSearch:
    """Runs Hypothesis examples until the budget is spent or `stop()` says so."""

    name = "hypothesis"
    exhaustive = False
    stable = True  # every execution must depend on its choices alone

    def __init__(self, *, seed: int, max_executions: int, key: str) -> None:
        self.seed = seed
        self.max_executions = max_executions
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        self.database_path = os.path.join(".rasmodel", "hypothesis", digest)

    def explore(self, execute: Execute, stop: Callable[[], bool]) -> None:
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis import strategies as st
        from hypothesis.database import DirectoryBasedExampleDatabase

        seen: set[str] = set()  # violations of earlier Hypothesis runs, fixed during one
        runs = [0]
        failed: list[list[int] | None] = [None]  # the draws of the example that failed

        def example(data: Any) -> None:
            # Hypothesis replays a failing example once to report it: draw the same
            # again, but do not run it twice.
            if failed[0] is not None:
                for count in failed[0]:
                    data.draw(st.integers(0, count - 1))
                raise _NewViolation(None)
            runs[0] += 1
            run = DrawRun(data)
            execution = execute(run)
            if {v.property for v in execution.violations} - seen:
                failed[0] = run.draws
                raise _NewViolation(execution)

        def chunk(size: int) -> bool:
            """Up to `size` examples; False when Hypothesis ran out of new ones."""
            failed[0] = None
            budget = settings(
                settings.get_profile("default"),  # not the user's or CI's profile
                derandomize=False,  # seeded below: a derandomized run repeats each chunk
                max_examples=size,
                database=DirectoryBasedExampleDatabase(self.database_path),
                deadline=None,
                verbosity=Verbosity.quiet,
                print_blob=False,
                report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.reuse, Phase.generate],
            )
            before = runs[0]
            try:
                budget(given(st.data())(example))()
            except _NewViolation as failure:
                if failure.execution is not None:
                    seen.update(v.property for v in failure.execution.violations)
                return True
            return runs[0] > before

        # It is run in chunks, with `stop()` asked between them: an example, once
        # begun, must end the same way every time it is run, so it is never cut short.
        with _seeded(self.seed), _home(os.path.join(".rasmodel", "hypothesis")):
            while runs[0] < self.max_executions and not stop():
                if not chunk(min(CHUNK, self.max_executions - runs[0])):
                    break
