"""`compare --distinguish`: the scenario that tells two designs apart, run on both.

For each property one design violates and another satisfies (it holds there, by an
exhaustive search), the violating design's counterexample is the shortest scenario
found that breaks it (minimised: fewest preemptions, then fewest steps). Replayed on
the other design, the same choices (the same processes run in the same order, the
same options taken) show what that design does instead; where a process cannot
run yet the replay runs the default schedule until it can, and a choice that does
not fit that design is dropped (the report says how many of them it could take).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rasmodel.choices import Choice, Point, Wanted
from rasmodel.errors import ReplayMismatch
from rasmodel.execution import Execution, Limits, Selection, execute
from rasmodel.explore.replay import wanted
from rasmodel.explore.strategy import DefaultRun
from rasmodel.loader import load_model
from rasmodel.report.text import events_by_step
from rasmodel.result import Counterexample, Result, Verdict


@dataclass(frozen=True)
class Scenario:
    """One property's scenario, on the design that violates it and on one that holds."""

    prop: str
    violating: int  # index of the design in the comparison
    holding: int
    counterexample: Counterexample  # on the violating design
    replayed: Execution  # the same choices on the holding design, run to its end
    followed: int  # how many of the scenario's choices the holding design could take
    total: int
    reordered: int = 0  # of those, taken ahead of one that had to wait


class _Follow(DefaultRun):
    """Takes the recorded choices where they fit, in order. A choice the design cannot
    take yet (a process that cannot run yet; a `choose` it has not reached) waits,
    and the next few recorded choices of this point's kind may go first; meanwhile
    the default schedule runs. A choice that waited `PATIENCE` points is dropped."""

    PATIENCE = 50
    AHEAD = 3  # how many recorded choices a point looks at

    def __init__(self, choices: Sequence[Choice | Wanted]) -> None:
        self.pending = wanted(choices)
        self.followed = 0
        self.reordered = 0  # taken before a recorded choice that had to wait
        self.waited = 0

    def choose(self, point: Point) -> int:
        for position, choice in enumerate(self.pending[: self.AHEAD]):
            if choice.kind != point.kind:
                continue
            try:
                index = choice.index_in(point)
            except ReplayMismatch:
                continue
            del self.pending[position]
            self.followed += 1
            self.reordered += position > 0
            self.waited = 0
            return index
        if self.pending:
            self.waited += 1
            if self.waited > self.PATIENCE:
                del self.pending[0]
                self.waited = 0
        return super().choose(point)


def distinguish(results: Sequence[Result], specs: Sequence[str] = ()) -> list[Scenario]:
    """Every (property, violating design, holding design) triple, with its scenario;
    `specs` name each design's model as given (`path[:NAME]`)."""
    scenarios: list[Scenario] = []
    for i, bad in enumerate(results):
        for prop, cex in bad.counterexamples.items():
            for j, good in enumerate(results):
                if j != i and _verdict(good, prop) is Verdict.HOLDS:
                    spec = specs[j] if j < len(specs) else good.model_path
                    scenarios.append(_scenario(prop, i, j, cex, good, spec))
    return scenarios


def _verdict(result: Result, prop: str) -> Verdict | None:
    return next((p.verdict for p in result.properties if p.name == prop), None)


def _scenario(prop: str, i: int, j: int, cex: Counterexample, good: Result, spec: str) -> Scenario:
    model = load_model(spec)
    follow = _Follow(cex.choices)
    selection = Selection.of(model, model.select([prop]))
    replayed = execute(model, good.params, selection, follow, Limits(100000, record_where=True))
    total = len(cex.choices)
    return Scenario(prop, i, j, cex, replayed, follow.followed, total, follow.reordered)


def step_cells(execution: Execution) -> list[str]:
    """One cell per step: who ran, what it resumed after, what it emitted."""
    emitted = events_by_step(execution)
    cells = []
    for step in execution.steps:
        context = f" ({step.context})" if step.context else ""
        events = "; ".join(emitted.get(step.index, []))
        cells.append(f"{step.actor}{context}: {step.label}" + (f" → {events}" if events else ""))
    return cells
