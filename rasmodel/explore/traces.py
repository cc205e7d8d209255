"""Mazurkiewicz traces of executions, in a canonical form, for checking reductions.

Two executions are equivalent when one is the other with adjacent independent steps
swapped; the Foata normal form of each (see `happens_before.foata_form`) is equal
exactly when they are. A sound reduction explores at least one execution of every
trace plain enumeration finds, an optimal one exactly one; both are compared under
the dependence DPOR itself uses, made visible for the same properties, with one
exception: a guard step depends on what the evaluation that let it pass read, not
on what evaluations that found it false read before (`Step.slack`). Those differ
with the history (`a or b` registered while `a` was false read `b`, registered
after `a` became true it did not), while the step is the same: moving a write to
`b` across it changes neither that evaluation nor the step's code. DPOR keeps them
(the false evaluations are what makes the write to `b` a race worth reversing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from rasmodel.choices import RUN
from rasmodel.execution import Execution, ExitReason, Selection
from rasmodel.explore.dpor import Visibility
from rasmodel.explore.happens_before import Access, HappensBefore, foata_form
from rasmodel.sim.process import Step


def step_names(execution: Execution) -> list[tuple[Any, ...]]:
    """Per step, the options it chose (what tells two runs of the same step apart)."""
    names: list[list[Any]] = []
    for choice in execution.choices:
        if choice.kind == RUN:
            names.append([])
        elif names:
            names[-1].append(choice.value)
    return [tuple(n) for n in names]


def visibility_of(selection: Selection, executions: Iterable[Execution]) -> Visibility:
    """The visibility a search of `selection` ends with, having run `executions`."""
    visibility = Visibility.of(selection)
    for execution in executions:
        visibility.learn(execution)
    return visibility


def trace_forms(executions: Iterable[Execution], visibility: Visibility) -> set[tuple[Any, ...]]:
    """The canonical forms of the traces of `executions` (runs cut short by a sleep
    set left out: they end where another execution goes on)."""
    return {
        trace_form(execution, visibility)
        for execution in executions
        if execution.reason not in (ExitReason.PRUNED, ExitReason.CACHED)
    }


def trace_form(execution: Execution, visibility: Visibility) -> tuple[Any, ...]:
    """The canonical form of the trace of `execution`. A step that raised ends the
    execution, so what ran independently of it before is beside the point: the trace
    of an execution that ends in a step that raised is that step and what happens
    before it. (An event that failed with nobody to take it ends the instant's steps,
    all of which could have taken it.)"""
    steps = [_passing(visibility.access(step), step) for step in execution.steps]
    names = step_names(execution)
    if execution.reason is ExitReason.FAILED and steps and execution.steps[-1].failed:
        order = HappensBefore(steps)
        last = len(steps) - 1
        kept = [i for i in range(len(steps)) if order.hb(i, last)]
        renumber = {old: new for new, old in enumerate(kept)}
        steps = [_renumbered(steps[i], renumber) for i in kept]
        names = [names[i] for i in kept]
    return foata_form(steps, names)


def _passing(access: Access, step: Step) -> Access:
    """`access` depending on what the guard read when it passed (module docstring)."""
    if not step.slack:
        return access
    return dataclasses.replace(access, reads=access.reads - step.slack)


def _renumbered(access: Access, renumber: dict[int, int]) -> Access:
    """`access` with the steps it refers to renumbered (all of them are kept: what
    enabled a step happens before it)."""
    causes = tuple(renumber[c] for c in access.causes)
    enabled_by = access.enabled_by
    if enabled_by is not None:
        enabled_by = tuple(renumber[c] for c in enabled_by)
    return dataclasses.replace(access, causes=causes, enabled_by=enabled_by)
