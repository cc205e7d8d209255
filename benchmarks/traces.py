"""Counting Mazurkiewicz traces by plain enumeration and a canonical form.

Every interleaving is run (`--reduction none`); each is reduced to the Foata normal
form of its trace under the same dependence DPOR uses; the number of distinct forms
is the number of executions an optimal reduction needs.
"""

from __future__ import annotations

from typing import Any

import rasmodel as rm
from rasmodel.choices import RUN
from rasmodel.execution import Execution, Selection
from rasmodel.explore.dpor import Visibility
from rasmodel.explore.happens_before import foata_form
from rasmodel.search import watched_kinds


def step_names(execution: Execution) -> list[tuple[Any, ...]]:
    """Per step, the options it chose (what distinguishes two runs of the same step)."""
    names: list[list[Any]] = []
    for choice in execution.choices:
        if choice.kind == RUN:
            names.append([])
        elif names:
            names[-1].append(choice.value)
    return [tuple(n) for n in names]


def count_traces(model: rm.Model, **options: Any) -> tuple[int, rm.Result]:
    """(distinct traces, result) of a plain enumeration of `model`."""
    executions: list[Execution] = []
    result = rm.check(
        model,
        reduction="none",
        minimize=False,
        collect_states=True,
        **options,
        **{"observer": executions.append},
    )
    selection = Selection.of(model, model.select(options.get("properties")))
    visibility = Visibility(watched_kinds(selection))
    for execution in executions:
        visibility.observed |= execution.observed
    forms = {
        foata_form([visibility.access(s) for s in e.steps], step_names(e))
        for e in executions
        if e.reason.value != "pruned"
    }
    return len(forms), result
