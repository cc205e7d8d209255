"""Counterexample minimisation: fewest preemptions first, then the shortest.

One definition of "smaller" (`sort_key`, shortlex as in Hypothesis) serves every
phase. Phase 1 searches for the violation again with iterative context bounding
(0 preemptions, then 1, ...) below the preemptions of the one found. Phase 2 greedily
edits the choice sequence (truncate, drop a choice, undo a preemption, lower an
option) and keeps an edit when lenient replay still violates the same property with
a smaller key. Both phases
run within a budget; the result is always an execution that was actually run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rasmodel.choices import CHOOSE, RUN, Choice, Wanted, count_preemptions
from rasmodel.execution import Execution, Run, Violation
from rasmodel.explore.dfs import DepthFirst
from rasmodel.explore.replay import LenientReplay

RunFn = Callable[[Run], Execution]


@dataclass(frozen=True)
class Candidate:
    """A choice sequence known to violate the property, with its sort key."""

    choices: tuple[Choice, ...]
    key: tuple[int, int, tuple[int, ...]]


def sort_key(execution: Execution, violation: Violation) -> tuple[int, int, tuple[int, ...]]:
    """(preemptions, steps, option indices) up to the violation: smaller is simpler."""
    prefix = execution.choices[: violation.prefix]
    options = tuple(c.taken for c in prefix if c.kind == CHOOSE)
    preemptions = count_preemptions(prefix)
    return (preemptions, violation.step + 1, options)


def _violation(execution: Execution, prop: str) -> Violation | None:
    return next((v for v in execution.violations if v.property == prop), None)


class Minimizer:
    """Shrinks one property's counterexample by re-running the model."""

    def __init__(
        self, run: RunFn, prop: str, *, max_executions: int, seconds: float, bounding: bool = True
    ) -> None:
        self.run = run
        self.bounding = bounding  # phase 1 (fewer preemptions) too
        self.prop = prop
        self.budget = max_executions
        self.deadline = time.monotonic() + seconds
        self.executions = 0
        self.cut_short = False  # the budget ran out before the result was minimal

    def minimize(self, execution: Execution, violation: Violation) -> Candidate:
        best = Candidate(execution.choices[: violation.prefix], sort_key(execution, violation))
        if best.key[0] > 0 and self.bounding:
            best = self._fewer_preemptions(best)
        return self._shrink(best)

    def _spend(self) -> bool:
        self.executions += 1
        if self.executions <= self.budget and time.monotonic() < self.deadline:
            return True
        self.cut_short = True
        return False

    def _try(self, run: Run) -> Candidate | None:
        execution = self.run(run)
        violation = _violation(execution, self.prop)
        if violation is None:
            return None
        return Candidate(execution.choices[: violation.prefix], sort_key(execution, violation))

    def _fewer_preemptions(self, best: Candidate) -> Candidate:
        """Search again with 0, 1, ... preemptions below the found one's (iterative
        context bounding), so the first one found here has the fewest."""
        found: list[Candidate] = []
        spent = [False]

        def execute(run: Run) -> Execution:
            execution = self.run(run)
            violation = _violation(execution, self.prop)
            if violation is not None:
                candidate = Candidate(
                    execution.choices[: violation.prefix], sort_key(execution, violation)
                )
                if candidate.key < best.key:
                    found.append(candidate)
            return execution

        def stop() -> bool:
            spent[0] = spent[0] or not self._spend()
            return bool(found) or spent[0]

        for bound in range(best.key[0]):
            DepthFirst(preemption_bound=bound).explore(execute, stop)
            if found or spent[0]:
                break
        return found[0] if found else best

    def _shrink(self, best: Candidate) -> Candidate:
        improved = True
        while improved:
            improved = False
            for choices in _edits(best.choices):
                if not self._spend():
                    return best
                found = self._try(LenientReplay(choices))
                if found is not None and found.key < best.key:
                    best = found
                    improved = True
                    break
        return best


def _edits(choices: Sequence[Choice]) -> Iterator[list[Wanted]]:
    """Simpler variants of a choice sequence, the most promising first."""
    wanted = [Wanted.of(c) for c in choices]
    runs = [i for i, c in enumerate(choices) if c.kind == RUN]
    last: str | None = None
    switches = []
    for i in runs:
        actor = str(choices[i].value)
        if last is not None and actor != last:
            switches.append((i, last))
        last = actor
    for i, previous in switches:
        yield [*wanted[:i], Wanted(RUN, previous), *wanted[i + 1 :]]
    for i, _ in switches:
        yield [*wanted[:i], *wanted[i + 1 :]]
    # A process's steps left out of the prefix (it runs after the violation, or not
    # at all): the steps of a process the violation does not need go.
    for actor in dict.fromkeys(str(choices[i].value) for i in runs):
        yield [w for i, w in enumerate(wanted) if i not in runs or choices[i].value != actor]
    # Any single step left out: so the result is 1-minimal in steps.
    dropped = {i for i, _ in switches}
    for i in reversed(runs):
        if i not in dropped:
            yield [*wanted[:i], *wanted[i + 1 :]]
    for i, choice in enumerate(choices):
        if choice.kind == CHOOSE and choice.taken > 0:
            yield [*wanted[:i], Wanted(CHOOSE, 0, choice.label), *wanted[i + 1 :]]
    for i in range(1, len(choices)):
        yield wanted[:i]
