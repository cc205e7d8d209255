"""Run one execution of a model along the choices a run makes, checking properties.

`execute(model, params, selection, run)` builds the model, steps the Env until the
end and returns a small frozen `Execution` record. Strategies differ only in the
`Run` they pass (exploration and replay run the very same code, as in loom); what
is kept about an execution is attached as observers (the run itself is one).
"""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rasmodel.choices import RUN, Choice, Point, count_preemptions
from rasmodel.errors import (
    Location,
    ModelError,
    describe_exception,
    is_user_file,
    location_of_traceback,
)
from rasmodel.model import Model
from rasmodel.properties import Kind, Monitor, Property, PropertyRaised, judge
from rasmodel.sim.env import Env, Escape, Halt, Quiescent, StepFailed
from rasmodel.sim.process import Pending, Step, TraceEvent


class ExitReason(enum.Enum):
    """Why an execution stopped."""

    COMPLETE = "complete"
    DEADLOCK = "deadlock"
    FAILED = "failed"
    DEPTH = "depth"
    PRUNED = "pruned"
    CACHED = "cached"
    PREFIX = "prefix"
    DECIDED = "decided"
    LIVELOCK = "livelock"

    def describe(self) -> str:
        return {
            "complete": "ran to completion",
            "deadlock": "ended with a non-daemon process blocked",
            "failed": "a process raised an exception",
            "depth": "hit the --max-depth bound",
            "pruned": "was cut short by the search strategy",
            "cached": "reached a state the search had explored before",
            "prefix": "replayed its whole choice sequence",
            "decided": "every property checked had already failed in it",
            "livelock": "came back to a state it can leave only by going round again",
        }[self.value]


class Prune(Exception):
    """Raised by a run to abandon the current execution (redundant by reduction)."""


class CacheHit(Exception):
    """Raised by a run at a state explored before: the rest of the execution is covered."""


class StopExecution(Exception):
    """Raised by a run whose sequence is used up (a counterexample that ends mid-run)."""


class Livelocked(Exception):
    """Raised by a run that found the execution in a fair endless loop (`explore.cycles`)."""

    def __init__(self, message: str, step: int) -> None:
        super().__init__(message)
        self.message = message
        self.step = step


class Observer:
    """Bookkeeping attached to an execution; every hook is optional."""

    def on_step(self, step: Step, env: Env) -> None:
        """After every step (a step that raised included)."""

    def on_emit(self, event: TraceEvent) -> None:
        """After every `env.emit()`."""

    def on_end(self, execution: Execution) -> None:
        """With the record of the execution."""


class Run(Observer):
    """The strategy's side of one execution: it makes every choice."""

    def choose(self, point: Point) -> int:
        """The option to take at `point` (an index into `point.options`)."""
        raise NotImplementedError

    def attach(self, env: Env, holding: Callable[[], Any]) -> None:
        """Before the first choice: the execution's env, and what its properties hold
        (for a state cache's keys)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """A property that failed in an execution; `prefix` choices reproduce it."""

    property: str
    message: str
    step: int
    prefix: int
    reads: frozenset[str] = frozenset()  # tracked keys an invariant read when it failed


@dataclass(frozen=True, slots=True)
class Blocked:
    """A process left waiting at the end of a deadlocked execution."""

    process: str
    waiting_for: str
    where: Location | None
    context: str = ""  # where it runs, as the model labelled it ("cpu0/nmi")

    def __str__(self) -> str:
        at = f" at {self.where}" if self.where else ""
        context = f" ({self.context})" if self.context else ""
        return f"{self.process}{context} waits for {self.waiting_for}{at}"


@dataclass(frozen=True, slots=True)
class Execution:
    """What one execution did and found."""

    choices: tuple[Choice, ...]
    steps: tuple[Step, ...]
    trace: tuple[TraceEvent, ...]
    reason: ExitReason
    violations: tuple[Violation, ...]
    final_state: Any
    blocked: tuple[Blocked, ...] = ()
    where: tuple[Location | None, ...] = field(default=())
    cut_at: Location | None = None
    pending: tuple[Pending, ...] = ()  # what could still move when it stopped
    observed: frozenset[str] = frozenset()
    fingerprints: tuple[int, ...] = ()  # per step, with record_fingerprints=True
    timer_order: bool = False  # the order of events scheduled for later was observed
    # per step, with record_where=True: the tracked vars and queues it wrote, and
    # their values after it
    changed: tuple[tuple[tuple[str, str], ...], ...] = ()
    switches: tuple[str | None, ...] = ()  # per step: the model's words for its switch
    notes: tuple[str, ...] = ()  # the model's notes on it (`Env.describe_executions`)
    trace_read: bool = False  # the model read the trace (`Env.trace`)
    history_read: bool = False  # ... how many steps ran (`Env.step_index`, ...)

    @property
    def preemptions(self) -> int:
        return count_preemptions(self.choices)

    def step_choices(self) -> list[Choice]:
        """The scheduling choice that ran each step, step by step."""
        return [c for c in self.choices if c.kind == RUN]


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


@dataclass(frozen=True)
class Limits:
    """How far one execution goes."""

    max_depth: int = 1000  # steps
    stop_after: int | None = None  # choices: replay a prefix, then stop
    stop_when_decided: bool = True  # stop once every selected property failed in it
    record_where: bool = False  # the model line of every step, for reports
    record_fingerprints: bool = False  # a hash of every step's writes


def execute(
    model: Model,
    params: Mapping[str, Any],
    selection: Selection,
    run: Run,
    limits: Limits = Limits(),
    observers: Sequence[Observer] = (),
) -> Execution:
    """Run one execution of `model`, `run` making its choices."""
    return _Runner(model, params, selection, run, limits, observers).run()


class _Runner:
    """Builds the model, steps the Env until the end, and records the Execution; the
    Env's hooks (`choose`, `emitted`)."""

    def __init__(
        self,
        model: Model,
        params: Mapping[str, Any],
        selection: Selection,
        run: Run,
        limits: Limits,
        observers: Sequence[Observer],
    ) -> None:
        self.model = model
        self.params = dict(params)
        self.run_ = run
        self.limits = limits
        self.choices: list[Choice] = []
        self.properties = _Properties(selection, self.params, self.choices)
        self.properties.module = sys.modules.get(model.build_fn.__module__)
        self.observers: list[Observer] = [run, *observers, self.properties]
        self.where: list[Location | None] = []
        self.changed: list[tuple[tuple[str, str], ...]] = []
        self.switches: list[str | None] = []
        self.fingerprints: list[int] = []
        self.cut_at: Location | None = None

    # -------------------------------------------------- hooks used by the Env
    def choose(self, point: Point) -> int:
        stop = self.limits.stop_after
        if point.kind == RUN and stop is not None and len(self.choices) >= stop:
            raise StopExecution
        index = self.run_.choose(point)
        self.choices.append(Choice.made(point, index))
        return index

    def emitted(self, event: TraceEvent) -> None:
        for observer in self.observers:
            observer.on_emit(event)

    # ------------------------------------------------------------- running
    def run(self) -> Execution:
        env = Env(self)
        properties = self.properties
        system = properties.system = self._build(env)
        properties.env = env
        self.run_.attach(env, properties.holding)
        reason = ExitReason.COMPLETE
        try:
            env.start(self.model.build_fn)
            properties.check_invariants(-1)
            reason = self._loop(env)
        except Quiescent:
            reason = ExitReason.DEADLOCK if env.live > 0 else ExitReason.COMPLETE
        except StepFailed as failure:
            reason = ExitReason.FAILED
            properties.failed_step(failure, env.step_index)
        except Prune:
            reason = ExitReason.PRUNED
        except CacheHit:
            reason = ExitReason.CACHED
        except StopExecution:
            reason = ExitReason.PREFIX
        except Livelocked as loop:
            reason = ExitReason.LIVELOCK
            properties.livelocked(loop)
        blocked = _blocked(env) if reason is ExitReason.DEADLOCK else ()
        complete = reason in (ExitReason.COMPLETE, ExitReason.DEADLOCK)
        if complete:
            properties.check_end(system, blocked, clean=reason is ExitReason.COMPLETE)
        execution = Execution(
            tuple(self.choices),
            tuple(env.steps),
            tuple(env.events),
            reason,
            tuple(properties.violations),
            env.snapshot() if complete else None,
            blocked,
            tuple(self.where),
            self.cut_at,
            tuple(env.pending()),
            frozenset(properties.observed),
            tuple(self.fingerprints),
            env.timer_order,
            tuple(self.changed),
            tuple(self.switches),
            self._notes(env),
            env.trace_read,
            env.history_read,
        )
        env.close()
        for observer in self.observers:
            observer.on_end(execution)
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

    def _loop(self, env: Env) -> ExitReason:
        steps = env.steps
        limits = self.limits
        properties = self.properties
        size = len(properties.selection) if limits.stop_when_decided else -1
        while True:
            if len(steps) >= limits.max_depth:
                self.cut_at = env.processes[steps[-1].actor].suspended_at()
                return ExitReason.DEPTH
            taken = len(steps)
            try:
                env.step()
            finally:
                if len(steps) > taken:  # the step ran, even if it raised
                    self._after_step(env, steps[-1])
            if len(properties.failed) == size:
                return ExitReason.DECIDED

    def _notes(self, env: Env) -> tuple[str, ...]:
        """The model's notes on this execution, for reports (see `record_where`)."""
        if not self.limits.record_where:
            return ()
        runs = [c for c in self.choices if c.kind == RUN]
        return env.execution_notes(env.steps, runs)

    def _switch(self, env: Env, step: Step) -> str | None:
        """The model's words for the switch that ran `step`, if it preempted."""
        ran = next((c for c in reversed(self.choices) if c.kind == RUN), None)
        if ran is None or not ran.preempts or ran.current is None:
            return None
        return env.switch_words(ran.current, step.actor)

    def _after_step(self, env: Env, step: Step) -> None:
        if self.limits.record_where:
            self.where.append(None if step.finished else _model_line(env, step.actor))
            self.changed.append(env.shown_values(step.writes))
            self.switches.append(self._switch(env, step))
        if self.limits.record_fingerprints:
            self.fingerprints.append(env.writes_fingerprint(step.writes))
        for observer in self.observers:
            observer.on_step(step, env)


@contextlib.contextmanager
def _observing(env: Env | None) -> Iterator[None]:
    """Properties are being checked: what they read of the history is a read too,
    and they may not choose, emit or start processes (`Env.observing`)."""
    if env is None:
        yield
        return
    env.observing = True
    try:
        yield
    finally:
        env.observing = False


class _Properties(Observer):
    """Checks the selected properties on one execution and records what fails."""

    def __init__(
        self, selection: Selection, params: Mapping[str, Any], choices: list[Choice]
    ) -> None:
        self.selection = selection
        self.params = params
        self.choices = choices  # the execution's, for the prefix of each violation
        self.system: Any = None
        self.module: Any = None  # the model's module: its globals are state too
        self.env: Env | None = None
        self.monitors: list[tuple[Property, Monitor]] = [(p, p.monitor()) for p in selection.traces]
        self.watched = watched_kinds(selection)
        self.violations: list[Violation] = []
        self.failed: set[str] = set()
        self.observed: set[str] = set()  # keys the invariants read

    def on_step(self, step: Step, env: Env) -> None:
        if self.selection.invariants:
            self.check_invariants(step.index)

    def holding(self, whole_trace: bool = False) -> tuple[Any, ...]:
        """What decides the verdicts still to come, besides the env: the properties
        failed so far, the trace monitors' state, the trace they may read (without
        step numbers, which reordering changes; all of it with `whole_trace` or once
        the model read it), the system the build returned, the
        model's module (a global a finished process set, that a final property
        reads) and the checks of the invariants and final properties (their
        closures)."""
        read = whole_trace or (self.env is not None and self.env.trace_read)
        watched = None if read else self.watched
        trace = tuple(
            (e.time, e.actor, e.context, e.kind, e.data)
            for e in (self.env.events if self.env is not None else ())
            if watched is None or e.kind in watched
        )
        monitors = tuple((p.name, m) for p, m in self.monitors if p.name not in self.failed)
        checks = tuple(p.fn for p in (*self.selection.invariants, *self.selection.finals))
        return (tuple(sorted(self.failed)), monitors, trace, self.system, self.module, checks)

    def on_emit(self, event: TraceEvent) -> None:
        for prop, monitor in self.monitors:
            if prop.name not in self.failed:
                try:
                    message = monitor.on_event(event)
                except Exception as error:  # a `where` or `key` function that crashed
                    when = f"on the {event.kind!r} event of step {event.step}"
                    raise PropertyRaised(error).model_error(prop.name, when, WHERE_GETS) from None
                if message is not None:
                    self._violate(prop.name, message, event.step)

    def check_invariants(self, step: int) -> None:
        env = self.env
        reads = env.footprint.reads if env is not None else None
        if reads is not None:
            reads.clear()
        with _observing(env):
            for prop in self.selection.invariants:
                if prop.name not in self.failed:
                    assert prop.fn is not None
                    fn, system, params = prop.fn, self.system, self.params
                    message = self._judge(prop.name, step, judge, fn, system, params)
                    if message is not None:
                        self._violate(prop.name, message, step, frozenset(reads or ()))
        if reads:
            self.observed |= reads

    def _judge(self, name: str, step: int, fn: Callable[..., Any], *args: Any) -> str | None:
        """`fn(*args)`, the verdict of property `name`; a property that crashes is a
        model error naming its line and the step after which it ran."""
        try:
            result: str | None = fn(*args)
            return result
        except PropertyRaised as crash:
            when = f"after step {step}" if step >= 0 else "after the build"
            raise crash.model_error(name, when) from None

    def check_end(self, system: Any, blocked: Sequence[Blocked], *, clean: bool) -> None:
        assert self.env is not None
        step = self.env.step_index
        if not clean and "deadlock" in self.selection.builtins:
            self._violate("deadlock", "; ".join(map(str, blocked)), step)
        if clean:
            with _observing(self.env):
                for prop in self.selection.finals:
                    assert prop.fn is not None
                    message = self._judge(prop.name, step, judge, prop.fn, system, self.params)
                    if message is not None:
                        self._violate(prop.name, message, step)
        for prop, monitor in self.monitors:
            if prop.name in self.failed or (prop.needs_clean_end and not clean):
                continue
            message = self._judge(
                prop.name, step, monitor.at_end, self.env.events, system, self.params
            )
            if message is not None:
                self._violate(prop.name, message, step)

    def livelocked(self, loop: Livelocked) -> None:
        if "livelock" in self.selection.builtins:
            self._violate("livelock", loop.message, loop.step)

    def failed_step(self, failure: StepFailed, step: int) -> None:
        error = failure.error
        if isinstance(error, Halt):
            return  # stopped on purpose: what it reports was emitted before
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

    def _violate(
        self, name: str, message: str, step: int, reads: frozenset[str] = frozenset()
    ) -> None:
        self.failed.add(name)
        self.violations.append(Violation(name, message, step, len(self.choices), reads))


WHERE_GETS = (
    "The `where` and `key` functions of a trace property get the event's data (the "
    "dict of the keyword arguments of its env.emit()), and one that raises is a bug in "
    "the property"
)


def watched_kinds(selection: Selection) -> frozenset[str] | None:
    """The emitted kinds the selected trace properties read (None: all of them)."""
    kinds: set[str] = set()
    for prop in selection.traces:
        reads = prop.reads_emits
        if reads is None:
            return None
        kinds |= reads
    return frozenset(kinds)


def _blocked(env: Env) -> tuple[Blocked, ...]:
    """Every process left waiting, daemons included (an interrupt handler stuck on a
    lock is often the one that matters), but not a daemon at its rest."""
    return tuple(
        Blocked(p.name, p.waiting_for(), p.suspended_at(), p.context)
        for p in env.live_processes()
        if not p.resting()
    )


def _model_line(env: Env, actor: str) -> Location | None:
    """Where the actor waits, if that is in the model's own files (not a library's)."""
    where = env.processes[actor].suspended_at()
    return where if where is not None and is_user_file(where.file) else None
