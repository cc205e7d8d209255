"""The oracle: the simplest explorer there is, trusted because there is nothing to it.

It runs every schedule and every `choose` option of a model (a depth-first walk over
option indices, no reduction, no bound, no pruning), checks every property on every
execution, and records for each property the fewest preemptions of a prefix that
violates it and for each final state the fewest preemptions of a run that reaches
it. The verdicts of every strategy, reduction and bound are derived from this.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rasmodel.choices import Point, count_preemptions
from rasmodel.execution import Execution, ExitReason, Limits, Run, Selection, execute
from rasmodel.model import Model


@dataclass
class Truth:
    """What every execution of a model does."""

    runs: int = 0
    violated: dict[str, int] = field(default_factory=dict)  # property -> fewest preemptions
    finals: dict[Any, int] = field(default_factory=dict)  # final state -> fewest preemptions
    complete: bool = True  # every run ended within the depth bound and the run limit
    executions: list[Execution] = field(default_factory=list)  # every run, for traces

    def violated_within(self, bound: int | None = None) -> set[str]:
        return {p for p, n in self.violated.items() if bound is None or n <= bound}

    def finals_within(self, bound: int | None = None) -> set[Any]:
        return {s for s, n in self.finals.items() if bound is None or n <= bound}


PROBES = 12
PROBE_MARGIN = 1.25  # the estimate runs low: at 1.25x the limit no program fitted


def _estimated_runs(model: Model, params: Any, selection: Selection, max_depth: int) -> float:
    """Knuth's estimate of the number of executions (the mean, over random runs, of
    the product of the numbers of options along the run): skipping a program whose
    estimate is past the run limit spends the oracle's time on programs it can
    finish (before, a third of the programs ran 5,000 executions to be skipped).
    An estimate, not a bound: a program skipped here is merely not sampled, which
    is all the limit does too."""
    total = 0.0
    for probe in range(PROBES):
        walk = _Probe(random.Random(probe))
        execute(model, params, selection, walk, Limits(max_depth, stop_when_decided=False))
        total += walk.product
    return total / PROBES


class _Probe(Run):
    """Takes options at random, multiplying the numbers of options offered."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.product = 1.0

    def choose(self, point: Point) -> int:
        self.product *= len(point.options)
        return self.rng.randrange(len(point.options))


class _Enumerator(Run):
    """Follows a prefix of option indices, then takes option 0, recording every point."""

    def __init__(self, prefix: Sequence[int]) -> None:
        self.prefix = prefix
        self.points: list[tuple[int, int]] = []  # (index taken, options offered)

    def choose(self, point: Point) -> int:
        position = len(self.points)
        index = self.prefix[position] if position < len(self.prefix) else 0
        self.points.append((index, len(point.options)))
        return index


def enumerate_all(model: Model, *, max_runs: int = 5000, max_depth: int = 150) -> Truth:
    """Every execution of `model` at its default parameters."""
    params = model.resolve_params({})
    selection = Selection.of(model, model.all_property_names())
    truth = Truth()
    if _estimated_runs(model, params, selection, max_depth) > PROBE_MARGIN * max_runs:
        truth.complete = False  # too big: skip it without running max_runs first
        return truth
    prefix: list[int] = []
    while True:
        if truth.runs >= max_runs:
            truth.complete = False
            return truth
        scheduler = _Enumerator(prefix)
        limits = Limits(max_depth, stop_when_decided=False)
        execution = execute(model, params, selection, scheduler, limits)
        truth.runs += 1
        truth.executions.append(execution)
        if execution.reason is ExitReason.DEPTH:
            truth.complete = False
            return truth
        for violation in execution.violations:
            at = count_preemptions(execution.choices[: violation.prefix])
            truth.violated[violation.property] = min(at, truth.violated.get(violation.property, at))
        if execution.final_state is not None:
            state = execution.final_state
            truth.finals[state] = min(execution.preemptions, truth.finals.get(state, 1 << 30))
        points = scheduler.points
        last = len(points) - 1
        while last >= 0 and points[last][0] + 1 >= points[last][1]:
            last -= 1
        if last < 0:
            return truth
        prefix = [index for index, _ in points[:last]] + [points[last][0] + 1]
