"""`--strategy dfs`: exhaustive stateless depth-first search over choice sequences.

Each execution re-runs the model from its build along a `Path`, which replays the
recorded branches and opens new ones where the record ends; backtracking is
"truncate and advance". The path decides what is explored at each branch (every
option, or with DPOR the options races ask for).

With a preemption bound the search explores the executions with at most that many
preemptions (context bounding, Musuvathi and Qadeer, PLDI 2007), each once, with
no memory but its current path; going on with the running actor is tried first,
so early executions have few preemptions, and the minimiser then searches below
the preemptions of what was found. A search in which the bound never kept an option
out was the whole search, and says so.
"""

from __future__ import annotations

from collections.abc import Callable

from rasmodel.execution import ExitReason
from rasmodel.explore.path import Path
from rasmodel.explore.strategy import Execute

PathFactory = Callable[[int | None], Path]


class DepthFirst:
    """Walks a path to exhaustion; starts it over when it asks to (`restart`, see
    DporPath.on_end)."""

    name = "dfs"

    def __init__(
        self, *, preemption_bound: int | None = None, path: PathFactory | None = None
    ) -> None:
        self.make_path: PathFactory = path or Path
        self.bound = preemption_bound
        self.path = self.make_path(preemption_bound)
        self.cut_by_depth = False
        self.complete = False  # every option the bound allows was explored
        self.restarts = 0  # searches started over because invariants read new keys

    def explore(self, execute: Execute, stop: Callable[[], bool]) -> None:
        while not stop():
            execution = execute(self.path)
            if execution.reason is ExitReason.DEPTH:
                self.cut_by_depth = True
            if getattr(self.path, "restart", False):
                self.restarts += 1
                self.path = self.make_path(self.bound)
            elif not self.path.backtrack():
                self.complete = True
                return

    @property
    def exhaustive(self) -> bool:
        """Every execution was explored: the bound, if any, never kept one out."""
        return self.complete and not self.cut_by_depth and not self.path.limited
