"""The strategy interface: a strategy drives executions, each made by a `Run`.

Kept as small as shuttle's, in push style so that a strategy that owns its loop
(Hypothesis) needs no special case: `explore(execute, stop)` calls `execute(run)` for
every execution it wants, and asks `stop()` before each; everything else
(properties, limits, verdicts, reports) is the search's business.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rasmodel.choices import RUN, Point
from rasmodel.errors import Location, NondeterminismError
from rasmodel.execution import Execution, Run

Execute = Callable[[Run], Execution]


class Strategy(Protocol):
    """A way of choosing executions."""

    name: str

    def explore(self, execute: Execute, stop: Callable[[], bool]) -> None:
        """Run executions until done or `stop()` says so."""
        ...

    @property
    def exhaustive(self) -> bool:
        """True when the executions run cover every behaviour (within the bounds)."""
        ...

    # A strategy may also set `stable = True`: its executions must depend on their
    # choices alone, so the search checks every property on each (Hypothesis).


class DefaultRun(Run):
    """Keeps running the actor that ran last while it can, else the first enabled;
    option 0 of every choose. What replays take past their end, and the baseline the
    minimiser compares with: it never preempts."""

    def choose(self, point: Point) -> int:
        if point.kind == RUN and point.current in point.options:
            return point.options.index(point.current)
        return 0


NONDETERMINISM_HINT = (
    "Is the model deterministic? Look for random numbers, wall-clock time, iteration "
    "over sets or dicts keyed by objects, id(), or shared state kept outside env.var/"
    "env.queue; each execution must make the same steps given the same choices."
)


def diverged(index: int, what: str, where: Location | None = None) -> NondeterminismError:
    """The error for a re-execution that does not match an earlier one."""
    return NondeterminismError(
        f"the model is nondeterministic: re-executing the same choices diverged at step "
        f"{index}: {what}.",
        where=where,
        hint=NONDETERMINISM_HINT,
    )
