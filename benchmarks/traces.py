"""Counting Mazurkiewicz traces by plain enumeration and a canonical form.

Every interleaving is run (`--reduction none`); each is reduced to the Foata normal
form of its trace under the same dependence DPOR uses; the number of distinct forms
is the number of executions an optimal reduction needs.
"""

from __future__ import annotations

from typing import Any

import rasmodel as rm
from rasmodel.execution import Execution, Selection
from rasmodel.explore.traces import trace_forms, visibility_of


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
    return len(trace_forms(executions, visibility_of(selection, executions))), result
