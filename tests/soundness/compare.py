"""Hold every strategy, reduction and bound of rasmodel to the oracle on one program.

- exhaustive search with and without DPOR, with and without the state cache: the
  oracle's verdicts and the same set of canonical final states;
- `--preemption-bound k`, reduced and not: the properties violated by some prefix with
  at most k preemptions, and the final states of runs with at most k preemptions;
- random, PCT and Hypothesis: never a violation or a final state the oracle lacks;
- the same searches split into units (`--jobs`, run inline with a unit per
  execution, the finest split there is): the verdicts, executions, pruned runs and
  final states of the search they split.
A crash of rasmodel on a model the oracle explored is a disagreement too.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import rasmodel as rm
from rasmodel.errors import RasmodelError
from rasmodel.execution import Execution, Selection
from rasmodel.explore.traces import trace_forms, visibility_of
from rasmodel.loader import load_model
from rasmodel.model import Model
from tests.soundness.gen import Program, render
from tests.soundness.oracle import Truth, enumerate_all

BOUNDS = (0, 1, 2)
SAMPLERS = ("random", "pct", "hypothesis")
SPLIT = "split "  # a search split into units, compared with the one labelled after it
INLINE = {"jobs": 3, "cluster": "inline"}


@dataclass
class Report:
    """What one program showed: skipped, agreed, or the disagreements."""

    program: Program
    skipped: str = ""
    problems: list[str] = field(default_factory=list)
    runs: int = 0  # oracle executions
    dpor: int = 0  # DPOR executions


def check_program(
    program: Program, *, samplers: bool = True, plain: bool = False, split: bool = True
) -> Report:
    """Compare rasmodel with the oracle on `program` (see the module docstring)."""
    report = Report(program)
    with _model_file(program) as path:
        try:
            model = load_model(path)
            truth = enumerate_all(model)
        except RasmodelError as error:
            report.skipped = f"invalid model: {error}"
            return report
        report.runs = truth.runs
        if not truth.complete:
            report.skipped = "too big for the oracle"
            return report
        results: dict[str, rm.Result] = {}
        for label, options, compare in _checks(samplers=samplers, plain=plain, split=split):
            explored: list[Execution] = []
            try:
                result = rm.check(
                    model, minimize=False, collect_states=True, observer=explored.append, **options
                )
                results[label] = result
                problems = compare(result, truth)
                if label == "dpor" and not problems:
                    problems = compare_traces(model, truth, explored, _violated_invariant(result))
                if label.startswith(SPLIT) and not problems:
                    problems = _same_counts(result, results[label[len(SPLIT) :]])
            except Exception as error:  # a crash is a finding too
                where = traceback.format_exc(limit=-3).strip().splitlines()[-3:]
                problems = [f"raised {type(error).__name__}: {error} ({' | '.join(where)})"]
            else:
                if label == "dpor":
                    report.dpor = result.stats.executions
            report.problems.extend(f"{label}: {p}" for p in problems)
    return report


Compare = Callable[[rm.Result, Truth], list[str]]


def _checks(
    *, samplers: bool, plain: bool, split: bool
) -> Iterator[tuple[str, dict[str, Any], Compare]]:
    """(label, options of rm.check, how its result must relate to the oracle's)."""
    depth = {"max_depth": 150}
    yield "dpor", {"reduction": "dpor", **depth}, _exhaustive
    yield "dpor cache", {"reduction": "dpor", "cache": "on", **depth}, _exhaustive
    if plain:
        yield "plain", {"reduction": "none", **depth}, _exhaustive
        yield "plain cache", {"reduction": "none", "cache": "on", **depth}, _exhaustive
    if split:
        yield SPLIT + "dpor", {"reduction": "dpor", **INLINE, **depth}, _exhaustive
    for bound in BOUNDS:
        for reduction in ("dpor", "none"):
            options = {"reduction": reduction, "preemption_bound": bound, **depth}
            yield f"bound {bound} {reduction}", options, partial(_agree, bound=bound)
    if split:
        options = {"reduction": "dpor", "preemption_bound": 1, **INLINE, **depth}
        yield SPLIT + "bound 1 dpor", options, partial(_agree, bound=1)
    if samplers:
        for strategy in SAMPLERS:
            options = {"strategy": strategy, "max_executions": 25, "pct_depth": 2, **depth}
            yield strategy, options, _within


def _exhaustive(result: rm.Result, truth: Truth) -> list[str]:
    problems = [] if result.exhaustive else ["not exhaustive"]
    return problems + _agree(result, truth)


def compare_traces(
    model: Model, truth: Truth, explored: list[Execution], blind: bool = False
) -> list[str]:
    """Exhaustive DPOR explores an execution of every Mazurkiewicz trace there is,
    compared under its own dependence: a stronger check than final states (a missed
    trace may end in a state another reaches).

    `blind`: an invariant was violated. From then on the search no longer evaluates
    it, so it never learns what the invariant reads in the executions after (nor
    needs to: its verdict is in), while the oracle's executions all show those
    reads; the traces are then compared without what invariants read (their
    verdicts are compared with the oracle's all the same)."""
    selection = Selection.of(model, model.all_property_names())
    visibility = visibility_of(selection, truth.executions + explored)
    if blind:
        visibility.observed = set()
    expected = trace_forms(truth.executions, visibility)
    found = trace_forms(explored, visibility)
    problems = []
    if expected - found:
        problems.append(f"{len(expected - found)} of {len(expected)} traces missed")
    if found - expected:
        problems.append(f"{len(found - expected)} traces the oracle does not have")
    return problems


def _same_counts(split: rm.Result, single: rm.Result) -> list[str]:
    """A split search explores what the single one does, execution for execution."""
    mine, theirs = split.stats, single.stats
    if (mine.executions, mine.pruned) == (theirs.executions, theirs.pruned):
        return []
    return [
        f"{mine.executions} executions and {mine.pruned} pruned, the single search "
        f"{theirs.executions} and {theirs.pruned}"
    ]


def _violated_invariant(result: rm.Result) -> bool:
    return any(p.kind == "invariant" and p.verdict.value == "violated" for p in result.properties)


def _agree(result: rm.Result, truth: Truth, bound: int | None = None) -> list[str]:
    problems = []
    found = {name for name, verdict in result.verdicts.items() if verdict == "violated"}
    expected = truth.violated_within(bound)
    if found - expected:
        problems.append(f"violations the oracle does not have: {sorted(found - expected)}")
    if expected - found:
        problems.append(f"missed violations: {sorted(expected - found)}")
    states = set(result.final_states or ())
    reached = truth.finals_within(bound)
    if states - reached:
        problems.append(f"{len(states - reached)} final states the oracle does not reach")
    if reached - states:
        problems.append(f"{len(reached - states)} final states missed")
    return problems


def _within(result: rm.Result, truth: Truth) -> list[str]:
    problems = []
    found = {name for name, verdict in result.verdicts.items() if verdict == "violated"}
    if found - truth.violated_within():
        problems.append(
            f"violations the oracle does not have: {sorted(found - set(truth.violated))}"
        )
    extra = set(result.final_states or ()) - truth.finals_within()
    if extra:
        problems.append(f"{len(extra)} final states the oracle does not reach")
    return problems


class _model_file:
    """A temporary model file holding the program's source."""

    def __init__(self, program: Program) -> None:
        self.source = render(program)
        self.name = f"gen_{program.seed}.py"

    def __enter__(self) -> str:
        self.dir = tempfile.TemporaryDirectory(prefix="rasmodel-soundness-")
        path = os.path.join(self.dir.name, self.name)
        with open(path, "w") as handle:
            handle.write(self.source)
        return path

    def __exit__(self, *exc: object) -> None:
        self.dir.cleanup()


def shrink(program: Program, *, samplers: bool = True) -> Program:
    """The smallest variant of `program` that still shows a disagreement (greedy)."""
    from tests.soundness.gen import shrinks

    best = program
    improved = True
    while improved:
        improved = False
        for smaller in shrinks(best):
            report = check_program(smaller, samplers=samplers)
            if report.problems:
                best = smaller
                improved = True
                break
    return best
