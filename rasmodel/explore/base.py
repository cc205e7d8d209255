"""The strategy interface: start an execution, make its choices, learn from its end.

Kept as small as shuttle's: a strategy hands out one `Scheduler` per execution and
is told how the execution ended; everything else (properties, bounds, reports) is
the checker's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rasmodel.errors import Location, NondeterminismError
from rasmodel.execution import Execution, Scheduler
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step


class Strategy(Protocol):
    """A way of choosing executions."""

    name: str

    def next_scheduler(self) -> Scheduler | None:
        """The scheduler for the next execution, or None when the search is over."""
        ...

    def finished(self, execution: Execution) -> None:
        """Called with every execution the scheduler drove."""
        ...

    @property
    def exhaustive(self) -> bool:
        """True when the executions run so far cover every behaviour (within bounds)."""
        ...


class DrivenStrategy(Protocol):
    """A strategy that owns the loop and calls back once per execution (Hypothesis)."""

    name: str
    exhaustive: bool

    def drive(
        self, run: Callable[[Scheduler], Execution], stop: Callable[[], bool]
    ) -> list[Execution]:
        """Explore; returns the violating executions to report."""
        ...


class DefaultScheduler:
    """Keeps running the last actor while it can, else the first enabled; option 0.

    Used to complete replays whose recorded sequence ran out, and as the baseline
    the minimiser compares against (no preemption is ever introduced here).
    """

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        return last if last is not None and last in enabled else enabled[0]

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        return 0

    def after_step(self, step: Step, env: Env) -> None:
        return None


NONDETERMINISM_HINT = (
    "Is the model deterministic? Look for random numbers, wall-clock time, iteration "
    "over sets or dicts keyed by objects, id(), or shared state kept outside env.var/"
    "env.queue; each execution must make the same steps given the same choices."
)


def diverged(index: int, what: str, where: Location | None = None) -> NondeterminismError:
    """The error for a re-execution that does not match the first one."""
    return NondeterminismError(
        f"the model is nondeterministic: re-executing the same choices diverged at step "
        f"{index}: {what}.",
        where=where,
        hint=NONDETERMINISM_HINT,
    )
