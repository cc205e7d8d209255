"""Choice points, what a step did, what a process emitted, where a process stands.

Plain records, built by `sim.env` and read by the explorer and the reports; nothing
here touches SimPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rasmodel.errors import Location, is_user_file

RUN = "run"
CHOOSE = "choose"


class Point(NamedTuple):
    """A choice point as the model offers it: the actors that can run next (RUN, with
    the one that ran last as `current`), or the options of a `choose` (CHOOSE).

    `current_reads` are the keys that decided whether `current` can go on here (its
    wait_until guard's): with a preemption bound, whether its run ends here or it
    must be preempted depends on them."""

    kind: str
    options: tuple[Any, ...]
    label: str = ""
    current: str | None = None
    current_reads: frozenset[str] = frozenset()

    def same(self, other: Point) -> bool:
        """The same point, offered again (actors in any order)."""
        if self.kind != other.kind or self.label != other.label:
            return False
        if self.kind == RUN:
            options = self.options  # mostly offered in the same order
            return options == other.options or set(options) == set(other.options)
        return len(self.options) == len(other.options)

    def describe(self) -> str:
        if self.kind == RUN:
            return f"a scheduling point offering {list(self.options)}"
        return f"choose {self.label!r} with {len(self.options)} options"


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One `env.emit()`: what trace properties and counterexample traces read."""

    step: int
    time: float
    actor: str
    context: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "time": self.time,
            "actor": self.actor,
            "context": self.context,
            "kind": self.kind,
            "data": dict(self.data),
        }


@dataclass(slots=True)
class Step:
    """One atomic step: a process resumed from `label` until its next yield (or until
    it raised: `failed`).

    `reads`/`writes` are the keys it touched (its footprint), events and processes
    it woke included; `cause` is the step that triggered the event it resumed on
    (-1: the build), which orders the two; `resumed_on` is that event (or the
    wait_until), kept to describe the step. `guard` holds the keys its wait_until
    predicate read. Treated as immutable; not a frozen dataclass only because one is
    built per step and a frozen one costs five times as much to build.
    """

    index: int
    actor: str
    resumed_on: Any
    time: float
    context: str
    reads: frozenset[str]
    writes: frozenset[str]
    cause: int
    finished: bool
    guard: frozenset[str] | None = None
    emits: frozenset[str] = frozenset()  # kinds emitted: a write to the trace
    failed: bool = False
    timers: bool = False  # it scheduled an event for a later time
    left_guard: frozenset[str] | None = None  # an interrupt ended its wait_until on these
    slack: frozenset[str] = frozenset()  # of `guard`, the keys only evaluations that
    # found it false read: neither the one that let it pass nor the step's code did

    @property
    def label(self) -> str:
        """What the step resumed after: "start", "after pause 'x'", "wait_until 'y'"."""
        from rasmodel.sim.env import describe_wake

        return describe_wake(self.resumed_on)


@dataclass(frozen=True, slots=True)
class Pending:
    """A process that could still take a step when an execution stopped: `enabled`
    when it could have run then (its next step could touch anything); `guard` holds
    the keys its wait_until predicate read, if it waits in one."""

    actor: str
    enabled: bool
    guard: frozenset[str] | None


def suspended_at(generator: Any) -> Location | None:
    """The model line where a generator is suspended, following `yield from` down to
    the innermost frame in the model's own files (not in a library); its first line
    once it has finished."""
    gen: Any = generator
    code = getattr(gen, "gi_code", None)
    if getattr(gen, "gi_frame", None) is None and code is not None:
        return Location(code.co_filename, code.co_firstlineno, code.co_name)
    innermost: Location | None = None
    in_model: Location | None = None
    while gen is not None:
        frame = getattr(gen, "gi_frame", None) or getattr(gen, "cr_frame", None)
        if frame is None:
            break
        innermost = Location(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        if is_user_file(innermost.file):
            in_model = innermost
        gen = getattr(gen, "gi_yieldfrom", None)
    return in_model or innermost
