"""Run one execution of a model along the choices a scheduler makes, checking properties.

The result is a small frozen `Execution` record. Strategies differ only in the
`Scheduler` they pass; exploration and replay run the very same code (as in loom).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rasmodel.choices import Choice
from rasmodel.errors import (
    Location,
    ModelError,
    describe_exception,
    is_user_file,
    location_of_traceback,
)
from rasmodel.model import Model
from rasmodel.properties import Kind, Monitor, Property, judge
from rasmodel.sim.env import Env, Escape, Quiescent, StepFailed
from rasmodel.sim.process import Pending, Step, TraceEvent


class ExitReason(enum.Enum):
    """Why an execution stopped."""

    COMPLETE = "complete"
    DEADLOCK = "deadlock"
    FAILED = "failed"
    DEPTH = "depth"
    PRUNED = "pruned"
    PREFIX = "prefix"
    DECIDED = "decided"

    def describe(self) -> str:
        return {
            "complete": "ran to completion",
            "deadlock": "ended with a non-daemon process blocked",
            "failed": "a process raised an exception",
            "depth": "hit the --max-depth bound",
            "pruned": "was cut short by the search strategy",
            "prefix": "replayed its whole choice sequence",
            "decided": "every property checked had already failed in it",
        }[self.value]


class Prune(Exception):
    """Raised by a scheduler to abandon the current execution (redundant by reduction)."""


class Scheduler(Protocol):
    """The strategy's side of an execution: it makes every choice."""

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str: ...

    def pick_option(self, label: str, options: Sequence[Any]) -> int: ...

    def after_step(self, step: Step, env: Env) -> None: ...


@dataclass(frozen=True, slots=True)
class Violation:
    """A property that failed in an execution; `prefix` choices reproduce it."""

    property: str
    message: str
    step: int
    prefix: int


@dataclass(frozen=True, slots=True)
class Blocked:
    """A process left waiting at the end of a deadlocked execution."""

    process: str
    waiting_for: str
    where: Location | None

    def __str__(self) -> str:
        at = f" at {self.where}" if self.where else ""
        return f"{self.process} waits for {self.waiting_for}{at}"


@dataclass(frozen=True, slots=True)
class Execution:
    """What one execution did and found."""

    choices: tuple[Choice, ...]
    steps: tuple[Step, ...]
    trace: tuple[TraceEvent, ...]
    reason: ExitReason
    violations: tuple[Violation, ...]
    final_state: Any
    preemptions: int
    blocked: tuple[Blocked, ...] = ()
    enabled: tuple[tuple[str, ...], ...] = ()
    where: tuple[Location | None, ...] = field(default=())
    cut_at: Location | None = None
    pending: tuple[Pending, ...] = ()  # what could still move when it stopped
    observed: frozenset[str] = frozenset()
    fingerprints: tuple[int, ...] = ()  # per step, with record_fingerprints=True
    timer_order: bool = False  # the order of events scheduled for later was observed


@dataclass(frozen=True)
class Selection:
    """The properties an execution checks, split by when they are evaluated."""

    invariants: tuple[Property, ...] = ()
    finals: tuple[Property, ...] = ()
    traces: tuple[Property, ...] = ()
    builtins: frozenset[str] = frozenset()

    @staticmethod
    def of(model: Model, names: Sequence[str]) -> Selection:
        props = [model.properties[n] for n in names if n in model.properties]
        return Selection(
            tuple(p for p in props if p.kind is Kind.INVARIANT),
            tuple(p for p in props if p.kind is Kind.FINAL),
            tuple(p for p in props if p.kind is Kind.TRACE),
            frozenset(n for n in names if n not in model.properties),
        )

    def without(self, decided: set[str]) -> Selection:
        """The same selection minus properties already decided (violated)."""
        return Selection(
            tuple(p for p in self.invariants if p.name not in decided),
            tuple(p for p in self.finals if p.name not in decided),
            tuple(p for p in self.traces if p.name not in decided),
            self.builtins - decided,
        )

    @property
    def names(self) -> list[str]:
        return [p.name for p in (*self.invariants, *self.finals, *self.traces)] + sorted(
            self.builtins
        )

    def __len__(self) -> int:
        return self.size

    @property
    def size(self) -> int:
        return len(self.invariants) + len(self.finals) + len(self.traces) + len(self.builtins)


class Runner:
    """Builds the model, steps the Env until the end, and records the Execution."""

    def __init__(
        self,
        model: Model,
        params: Mapping[str, Any],
        selection: Selection,
        scheduler: Scheduler,
        *,
        max_depth: int,
        record_where: bool = False,
        stop_after_choices: int | None = None,
        stop_when_decided: bool = True,
        record_fingerprints: bool = False,
    ) -> None:
        self.model = model
        self.params = dict(params)
        self.selection = selection
        self.scheduler = scheduler
        self.max_depth = max_depth
        self.record_where = record_where
        self.stop_after_choices = stop_after_choices
        self.stop_when_decided = stop_when_decided
        self.fingerprints: list[int] | None = [] if record_fingerprints else None
        self.choices: list[Choice] = []
        self.enabled: list[Sequence[str]] = []
        self.violations: list[Violation] = []
        self.failed: set[str] = set()
        self.preemptions = 0
        self.where: list[Location | None] = []
        self.cut_at: Location | None = None
        self.observed: set[str] = set()
        self.monitors: list[tuple[Property, Monitor]] = []
        self.env: Env | None = None

    # -------------------------------------------------- Hooks used by the Env
    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        if self.stop_after_choices is not None and len(self.choices) >= self.stop_after_choices:
            raise _StopReplay
        actor = self.scheduler.pick_actor(enabled, last)
        if last is not None and actor != last and last in enabled:
            self.preemptions += 1
        self.choices.append(Choice.run(actor))
        self.enabled.append(enabled)  # a fresh sequence from the Env each step
        return actor

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        index = self.scheduler.pick_option(label, options)
        self.choices.append(Choice.choose(label, index, options[index]))
        return index

    def emitted(self, event: TraceEvent) -> None:
        for prop, monitor in self.monitors:
            if prop.name not in self.failed:
                message = monitor.on_event(event)
                if message is not None:
                    self._violate(prop.name, message, event.step)

    # ------------------------------------------------------------- running
    def run(self) -> Execution:
        env = Env(self)
        self.env = env
        self.monitors = [(p, p.monitor()) for p in self.selection.traces]
        system = self._build(env)
        reason = ExitReason.COMPLETE
        try:
            env.start(self.model.build_fn)
            self._check_invariants(system, -1)
            reason = self._loop(env, system)
        except Quiescent:
            reason = ExitReason.DEADLOCK if env.live > 0 else ExitReason.COMPLETE
        except StepFailed as failure:
            reason = ExitReason.FAILED
            self._report_failure(failure, env.step_index)
        except Prune:
            reason = ExitReason.PRUNED
        except _StopReplay:
            reason = ExitReason.PREFIX
        blocked = self._blocked(env) if reason is ExitReason.DEADLOCK else ()
        if reason is ExitReason.DEADLOCK and "deadlock" in self.selection.builtins:
            self._violate("deadlock", "; ".join(map(str, blocked)), env.step_index)
        if reason in (ExitReason.COMPLETE, ExitReason.DEADLOCK):
            self._check_end(env, system, clean=reason is ExitReason.COMPLETE)
        complete = reason in (ExitReason.COMPLETE, ExitReason.DEADLOCK)
        execution = Execution(
            tuple(self.choices),
            tuple(env.steps),
            tuple(env.trace),
            reason,
            tuple(self.violations),
            env.snapshot() if complete else None,
            self.preemptions,
            blocked,
            tuple(tuple(e) for e in self.enabled),
            tuple(self.where),
            self.cut_at,
            tuple(env.pending()),
            frozenset(self.observed),
            tuple(self.fingerprints or ()),
            env.timer_order,
        )
        env.close()
        return execution

    def _build(self, env: Env) -> Any:
        build = self.model.build_fn
        if build is None:
            raise ModelError(
                f"model {self.model.name!r} has no build function.",
                where=self.model.defined_at,
                hint="Decorate one with @model.build.",
            )
        try:
            return build(env, **self.params)
        except Escape as escape:  # a choice in the build the explorer ended
            raise escape.error from None
        except ModelError:
            raise
        except TypeError as error:
            where = location_of_traceback(error.__traceback__)
            if where is None or where.function == build.__name__ and "argument" in str(error):
                raise ModelError(
                    f"calling the build function failed: {describe_exception(error)}.",
                    where=self.model.defined_at,
                    hint="The build function takes (env, **params): one keyword per parameter.",
                ) from None
            raise self._build_error(error) from None
        except Exception as error:
            raise self._build_error(error) from None

    def _build_error(self, error: BaseException) -> ModelError:
        return ModelError(
            f"the build function raised {describe_exception(error)}.",
            where=location_of_traceback(error.__traceback__) or self.model.defined_at,
            hint="Fix the model so it builds with these parameters.",
        )

    def _loop(self, env: Env, system: Any) -> ExitReason:
        steps = env.steps
        size = len(self.selection) if self.stop_when_decided else -1
        while True:
            if len(steps) >= self.max_depth:
                self.cut_at = env.processes[steps[-1].actor].suspended_at()
                return ExitReason.DEPTH
            taken = len(steps)
            try:
                env.step()
            finally:
                if len(steps) > taken:  # the step ran, even if it raised
                    self._after_step(env, steps[-1], system)
            if len(self.failed) == size:
                return ExitReason.DECIDED

    def _after_step(self, env: Env, step: Step, system: Any) -> None:
        if self.record_where:
            self.where.append(None if step.finished else _model_line(env, step.actor))
        if self.fingerprints is not None:
            self.fingerprints.append(env.writes_fingerprint(step.writes))
        self.scheduler.after_step(step, env)
        if self.selection.invariants:
            self._check_invariants(system, step.index)

    def _check_invariants(self, system: Any, step: int) -> None:
        reads = self.env.footprint.reads if self.env is not None else None
        if reads is not None:
            reads.clear()
        for prop in self.selection.invariants:
            if prop.name not in self.failed:
                assert prop.fn is not None
                message = judge(prop.fn, system, self.params)
                if message is not None:
                    self._violate(prop.name, message, step)
        if reads:
            self.observed |= reads

    def _check_end(self, env: Env, system: Any, *, clean: bool) -> None:
        if clean:
            for prop in self.selection.finals:
                assert prop.fn is not None
                message = judge(prop.fn, system, self.params)
                if message is not None:
                    self._violate(prop.name, message, env.step_index)
        for prop, monitor in self.monitors:
            if prop.name in self.failed or (prop.needs_clean_end and not clean):
                continue
            message = monitor.at_end(env.trace, system, self.params)
            if message is not None:
                self._violate(prop.name, message, env.step_index)

    def _report_failure(self, failure: StepFailed, step: int) -> None:
        error = failure.error
        name = "assertion" if isinstance(error, AssertionError) else "exception"
        where = location_of_traceback(error.__traceback__)
        if isinstance(error, AssertionError) and not str(error):
            what = "assertion failed"
        else:
            what = describe_exception(error)
        during = "" if failure.during == "step" else f" in {failure.during}"
        at = f" at {where}" if where else ""
        if name in self.selection.builtins:
            self._violate(name, f"{failure.actor}{during}: {what}{at}", step)

    def _violate(self, name: str, message: str, step: int) -> None:
        self.failed.add(name)
        self.violations.append(Violation(name, message, step, len(self.choices)))

    @staticmethod
    def _blocked(env: Env) -> tuple[Blocked, ...]:
        return tuple(
            Blocked(p.name, p.waiting_for(), p.suspended_at())
            for p in env.live_processes()
            if not p.daemon
        )


def _model_line(env: Env, actor: str) -> Location | None:
    """Where the actor waits, if that is in the model's own files (not a library's)."""
    where = env.processes[actor].suspended_at()
    return where if where is not None and is_user_file(where.file) else None


class _StopReplay(Exception):
    """The replayed choice prefix is used up (a counterexample that ends mid-run)."""
