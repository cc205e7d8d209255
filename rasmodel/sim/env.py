"""Env: a `simpy.Environment` whose `step()` hands every scheduling choice to the explorer.

Like SimPy's `RealtimeEnvironment`, the only change to scheduling is in `step()`:
events due now are processed at once, every process they wake becomes *ready*, and
the explorer picks which ready (or guard-enabled) process runs its next step.
Simulated time moves only when nothing is due now.

This is the one module that touches SimPy internals, and so the one place that
decides the footprint of every SimPy interaction (see `sim.footprint`):

- triggering or failing an event writes its key, processing it reads it; a callback
  runs in the step that processed the event, so its accesses are that step's;
- reading an event's state (`triggered`, `processed`, `ok`, `value`, `defused`)
  reads its key; touching its `callbacks` (a condition built on it, a callback
  added, a condition taking its callbacks off again) writes it;
- waking a process (its event, join or interrupt arrived), interrupting it, ending
  it and creating it write the process's key, and each of its steps reads it;
- every SimPy resource built on an Env is tracked: requests, puts, gets, releases
  and cancels read and write the resource's key, and a model's reads of its state
  (`items`, `level`, `count`, `users`, `queue`, `put_queue`, `get_queue`) read it.

Where two interactions might not commute, they conflict: a reduction may lose
speed, never orders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from functools import partial
from heapq import heappop
from operator import attrgetter
from typing import Any, Protocol, TypeVar

import simpy
from simpy.events import PENDING, Condition, Initialize, Interruption
from simpy.resources import base as resource_base
from simpy.resources import container as resource_container
from simpy.resources import resource as resource_resource
from simpy.resources import store as resource_store

from rasmodel.errors import (
    Location,
    ModelError,
    caller_location,
    describe_exception,
    location_of_traceback,
)
from rasmodel.sim.footprint import Footprint, process_key
from rasmodel.sim.process import CHOOSE, RUN, Pending, Point, Step, TraceEvent, suspended_at
from rasmodel.sim.state import Queue, Var, fingerprint

T = TypeVar("T")

TIMERS_KEY = "@timers"  # the heap of events scheduled for later
EVENTS_KEY = "@events"  # the trace, read by the model itself (`Env.trace`)
HISTORY_KEY = "@history"  # how many steps ran, and which (`Env.step_index`, ...)
_serial = attrgetter("serial")
_NO_KEYS: frozenset[str] = frozenset()


class Hooks(Protocol):
    """What an execution runner provides to the Env: the choices and the observers."""

    def choose(self, point: Point) -> int: ...

    def emitted(self, event: TraceEvent) -> None: ...


class _Closed:
    """The hooks of an execution that is over: nothing is chosen or observed."""

    def choose(self, point: Point) -> int:
        raise GeneratorExit

    def emitted(self, event: TraceEvent) -> None:
        return None


class Escape(BaseException):
    """What the explorer raised from inside a step (a replay that does not fit, a
    draw Hypothesis stops): it passes through the model's code untouched."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


class Quiescent(Exception):
    """Nothing can run now or later: the execution is over."""


class Halt(Exception):
    """Raised by a step to stop the machine on purpose (a kernel `panic()`): nothing
    runs after that step, it is not an `exception` violation, and the end is not a
    clean one (final properties and end-of-execution trace checks do not apply).
    Whatever should be reported is emitted before raising it."""


class StepFailed(Exception):
    """User code raised and nothing handled it: an exception escaped a process (and
    no process joined it), a guard or a callback raised, or an event failed and no
    process took it before the instant ended. The execution ends, as SimPy's does."""

    def __init__(self, actor: str, error: BaseException, during: str) -> None:
        super().__init__(actor, error)
        self.actor = actor
        self.error = error
        self.during = during


class Env(simpy.Environment):
    """The environment a model's build function receives; see the README's model API."""

    steps_started = 0  # over all Envs: the watchdog's sign of progress

    def __init__(self, hooks: Hooks) -> None:
        super().__init__()
        self._hooks = hooks
        self.footprint = Footprint()
        self._processes: dict[str, Process] = {}
        self._ready: dict[str, Process] = {}
        self._guarded: dict[str, Process] = {}
        self._state: dict[str, Var[Any] | Queue[Any]] = {}
        self._switch_words: Callable[[str, str], str | None] | None = None
        self._note_writers: list[Callable[[Sequence[Step], Sequence[Any]], Iterable[str]]] = []
        self._bounds: list[Callable[[], Any]] = []  # see `bounded_by`
        self._events: list[Event] = []
        self._resources: list[Any] = []
        self._counters: dict[str, int] = {}
        self._live = 0
        self._trace: list[TraceEvent] = []
        self._step_index = -1
        self._last_actor: str | None = None
        self._in_guard = False
        self._owner: Process | None = None  # whose step the events being processed belong to
        self._resource_depth = 0  # > 0 inside SimPy's own resource code
        self._advancing = False  # processing the events of a time advance
        self._failure: StepFailed | None = None
        self.timer_order = False  # the order of future events was observed (see peek)
        self.trace_read = False  # the model read the trace (see `trace`)
        self.history_read = False  # ... the steps so far (see `_read_history`)
        self.observing = False  # invariants or final properties are being checked
        self._unhandled: list[Any] = []  # failed events no process took yet
        self._steps: list[Step] = []
        self._table = _ProcessTable(self)  # `processes`: the kernel library looks up often

    # ----------------------------------------------------------------- model API
    def process(
        self,
        generator: Generator[Any, Any, Any],
        name: str | None = None,
        daemon: bool = False,
    ) -> Process:
        """Start a process; its start (up to the first yield) is its first step."""
        self._not_observing("env.process()")
        if not hasattr(generator, "throw"):
            raise ModelError(
                f"env.process() got {generator!r}, not a generator.",
                where=caller_location(),
                hint="A process body must contain at least one `yield` "
                "(add `yield env.pause()`), and be passed called: env.process(worker()).",
            )
        owner = self._active_proc or self._owner
        if name is None:
            prefix = f"{owner.name}/" if owner is not None else ""
            name = self._numbered(prefix + getattr(generator, "__name__", "process"))
        elif name in self._processes:
            raise ModelError(
                f"two processes are named {name!r}.",
                where=caller_location(),
                hint="Process names identify actors in choice sequences; make them unique.",
            )
        proc = Process(self, generator, name, daemon=daemon, serial=len(self._processes))
        self._processes[name] = proc
        if not daemon:
            self._live += 1
        self.footprint.write(proc.key)
        return proc

    def var(self, name: str, init: T) -> Var[T]:
        """A tracked shared variable; reads and writes of `.value` are recorded."""
        return self._track(name, Var(self.footprint, name, init))

    def queue(self, name: str, items: Iterable[T] = ()) -> Queue[T]:
        """A tracked FIFO queue (append/popleft/len/iteration are recorded)."""
        return self._track(name, Queue(self.footprint, name, items))

    def event(self, label: str | None = None) -> Event:
        """A SimPy event with a label for deadlock reports and traces."""
        event = Event(self, label)
        self._events.append(event)
        return event

    def pause(self, label: str | None = None) -> Pause:
        """A zero-delay scheduling point: `yield env.pause("after read")`."""
        return Pause(self, label)

    def wait_until(
        self,
        predicate: Callable[[], Any],
        label: str | None = None,
        *,
        idle: bool = False,
        explain: Callable[[], str] | None = None,
    ) -> WaitUntil:
        """A guarded step: enabled while `predicate()` holds; the code after the yield
        runs in the same step as the check that passed.

        For deadlock reports: `idle` marks where a daemon rests (waiting there is not
        being stuck, so the report leaves it out); `explain()` says why the wait does
        not end, in words read when the report is made ("held by cpu0/task (A)")."""
        wait = WaitUntil(self, predicate, label)
        wait.idle = idle
        wait.explain = explain
        return wait

    def choose(self, options: Sequence[T], label: str | None = None) -> T:
        """Explicit nondeterminism: every option is explored."""
        if isinstance(options, (set, frozenset, dict)):
            raise ModelError(
                "env.choose() got an unordered collection.",
                where=caller_location(),
                hint="Pass a list or tuple so the options have a fixed order (sorted(...)).",
            )
        opts = list(options)
        if not opts:
            raise ModelError("env.choose() got no options.", where=caller_location())
        self._not_observing("env.choose()")
        if self._in_guard:
            raise ModelError(
                "env.choose() was called inside a wait_until predicate.",
                where=caller_location(),
                hint="Predicates must be pure reads of tracked state.",
            )
        if len(opts) == 1:
            return opts[0]
        try:
            index = self._hooks.choose(Point(CHOOSE, tuple(opts), label or "choose"))
        except BaseException as error:  # the explorer's, not the model's
            raise Escape(error) from None
        return opts[index]

    def maybe(self, label: str | None = None) -> bool:
        """`choose([False, True])`."""
        return self.choose((False, True), label)

    def emit(self, kind: str, **data: Any) -> None:
        """Append an event to the execution's trace (a write to the trace)."""
        self._not_observing("env.emit()")
        proc = self._active_proc
        event = TraceEvent(
            self._step_index,
            self._now,
            proc.name if proc is not None else "build",
            proc.context if isinstance(proc, Process) else "",
            kind,
            data,
        )
        self._trace.append(event)
        self.footprint.emits.add(kind)
        self._hooks.emitted(event)

    @property
    def trace(self) -> list[TraceEvent]:
        """The events emitted so far (a copy). A process may read them, but each
        carries its step number, which every step before it decides: such a model
        is searched without reduction (see `_read_history`); tracked state
        (`env.var`) costs less."""
        self.trace_read = True
        self.footprint.reads.add(EVENTS_KEY)
        self._read_history()
        return list(self._trace)

    @property
    def events(self) -> list[TraceEvent]:
        """The trace, for rasmodel's own use (not a read of the model's)."""
        return self._trace

    @property
    def processes(self) -> Mapping[str, Process]:
        """The processes by name. Looking one up is no read (what it does is); which
        processes there are, in a step, is a read of the history (see
        `_read_history`)."""
        return self._table

    @property
    def step_index(self) -> int:
        """The index of the running (or last) step; -1 during the build. Read in a
        step, it depends on every step before (see `_read_history`)."""
        self._read_history()
        return self._step_index

    @property
    def steps(self) -> list[Step]:
        """The steps so far (for rasmodel; read in a step, see `_read_history`)."""
        self._read_history()
        return self._steps

    @property
    def live(self) -> int:
        """Non-daemon processes that have not finished (read in a step, see
        `_read_history`)."""
        self._read_history()
        return self._live

    def _not_observing(self, what: str) -> None:
        """Invariants and final properties only read: one that starts a process,
        chooses or emits would change what it checks."""
        if self.observing:
            raise ModelError(
                f"{what} was called in an invariant or a final property.",
                where=caller_location(3),
                hint="Properties must only read the state; do this in a process.",
            )

    def _read_history(self) -> None:
        """A step (or a guard) that reads how many steps ran, or which, depends on
        every step: once an execution shows one, every step writes `HISTORY_KEY`
        (`explore.dpor.Visibility`), which leaves such a model unreduced, and the
        state cache does not key it. rasmodel's own reads, between steps, are none;
        a callback's, an invariant's or a final property's are (`observing`)."""
        if self._active_proc is not None or self._owner is not None or self.observing:
            self.history_read = True
            self.footprint.reads.add(HISTORY_KEY)

    def run(self, until: Any = None) -> Any:
        raise ModelError(
            "a model called env.run().",
            where=caller_location(),
            hint="rasmodel drives the environment; return from the build function instead.",
        )

    def peek(self) -> float:
        """SimPy's peek: the time of the next scheduled event, which every step that
        schedules one changes (see `timer_order`)."""
        self.timer_order = True
        self.footprint.reads.add(TIMERS_KEY)
        return super().peek()

    # ------------------------------------------------------------ the hook
    def step(self) -> None:
        """Run one step: pick an enabled process, resume it, process what it made due."""
        now = self._now
        enabled = self._enabled_now()
        names = tuple(p._name for p in enabled)
        # Once time had to move on, the process that ran last was waiting for it:
        # none is running, so whoever runs first is no preemption.
        current = self._last_actor if self._now == now else None
        index = self._hooks.choose(Point(RUN, names, "", current, self._guard_reads(current)))
        self._run_step(enabled[index])

    def start(self, build: Callable[..., Any] | None = None) -> None:
        """After the build: process the start events, so the first processes are ready."""
        if not self._processes:
            code = getattr(build, "__code__", None)
            raise ModelError(
                "the build function started no process.",
                where=Location(code.co_filename, code.co_firstlineno) if code else None,
                hint="Start processes with env.process(worker(), name=...) inside the build.",
            )
        self._drain(None)
        if self._failure is not None:
            raise self._failure

    def _enabled_now(self) -> list[Process]:
        while True:
            enabled = list(self._ready.values())
            if self._guarded:
                holds = self._guard_holds
                for proc in self._guarded.values():
                    guard = proc._guard  # the cached verdict inlined: most are not stale
                    if guard.holds if not guard.stale else holds(proc):  # type: ignore[union-attr]
                        enabled.append(proc)
            if enabled:
                if len(enabled) > 1:
                    enabled.sort(key=_serial)
                return enabled
            if self._unhandled:
                self._raise_unhandled()
            if not self._advance_time():
                raise Quiescent

    def _raise_unhandled(self) -> None:
        """The instant is over: a failed event no process took is a failure (SimPy's
        "failed events are never silently ignored"), of the step that failed it."""
        for event in self._unhandled:
            if not hasattr(event, "_defused"):
                index = getattr(event, "_rasmodel_cause", -1)
                actor = self._steps[index].actor if index >= 0 else "build"
                during = f"{describe_event(event)}, which failed and nobody waited for"
                raise StepFailed(actor, event._value, during)
        self._unhandled.clear()

    def _run_step(self, proc: Process) -> None:
        self._step_index += 1
        Env.steps_started += 1
        footprint = self.footprint
        footprint.clear()
        footprint.reads.add(proc.key)  # what interrupts, wake-ups and joins of it write
        wake = proc._wake
        guard = proc._guard
        guard_reads: frozenset[str] | None = None
        context = proc.context  # where the step starts (a library may change it)
        cause = getattr(wake, "_rasmodel_cause", -1) if wake is not None else -1
        left_guard, proc._left_guard = proc._left_guard, None
        self._active_proc = proc
        finished = False
        try:
            gen = proc._generator
            if wake is None:
                assert guard is not None
                self._remove_guard(proc)
                proc._guard = None
                if not guard.predicate():
                    raise ModelError(
                        f"the wait_until predicate of {proc._name!r} changed between the "
                        "check and the step.",
                        hint="Predicates must read only tracked state (env.var, env.queue).",
                    )
                # The step depends on every key the guard read (see `WaitUntil`);
                # added once its code ran, to tell which only failed evaluations read.
                guard_reads = frozenset(footprint.reads | guard.seen)
                guard._cbs = None  # type: ignore[assignment]
                guard._ok = True
                guard._value = None
                target = gen.send(None)
            else:
                del self._ready[proc._name]
                proc._wake = None
                if wake._ok:
                    target = gen.send(wake._value)
                else:
                    exc = type(wake._value)(*wake._value.args)
                    exc.__cause__ = wake._value
                    target = gen.throw(exc)
        except StopIteration as stop:
            finished = True
            self._finish(proc, True, stop.value)
        except (ModelError, KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except Escape as escape:
            raise escape.error from None
        except BaseException as error:
            finished = True
            self._finish(proc, False, error)
        else:
            proc._block_on(target)
        finally:
            self._active_proc = None
        self._drain(proc)
        if finished and isinstance(proc._value, Halt) and self._failure is None:
            self._failure = StepFailed(proc._name, proc._value, "step")  # even if joined
        self._last_actor = proc._name
        slack = _NO_KEYS
        if guard_reads is not None:
            slack = guard_reads - footprint.reads
            footprint.reads.update(slack)
        writes = footprint.writes
        self._steps.append(
            Step(
                self._step_index,
                proc._name,
                wake if wake is not None else guard,
                self._now,
                context,
                frozenset(footprint.reads),
                frozenset(writes) if writes else _NO_KEYS,
                cause,
                finished,
                guard_reads,
                frozenset(footprint.emits) if footprint.emits else _NO_KEYS,
                self._failure is not None,
                footprint.timers,
                left_guard,
                slack,
            )
        )
        if self._failure is not None:
            raise self._failure
        if self._guarded:
            self._mark_stale(self._changed(writes, footprint))

    def _finish(self, proc: Process, ok: bool, value: Any) -> None:
        """The process returned (or raised): its event triggers, and whoever joined it
        resumes; a failure nobody joins ends the execution when it is processed."""
        proc._ok = ok
        proc._value = value
        self.footprint.write(proc.key)
        self.schedule(proc)
        if not proc.daemon:
            self._live -= 1

    def schedule(self, event: Any, priority: Any = 1, delay: Any = 0) -> None:
        """SimPy's schedule: triggering an event writes it; remember which step did.
        An event scheduled for later is also a write of the timer heap (which only a
        reduction that was told the order of timers matters looks at)."""
        key = event._rm_key
        if key is not None:
            self.footprint.writes.add(key)
        if delay:
            self.footprint.timers = True
        event._rasmodel_cause = self._step_index
        super().schedule(event, priority, delay)

    def _drain(self, owner: Process | None) -> None:
        """Process every event due now in the step of `owner`: wake-ups become ready,
        other callbacks run; stops at the first failure nothing handled."""
        queue = self._queue
        now = self._now
        reads = self.footprint.reads
        self._owner = owner
        actor = owner._name if owner is not None else "build"
        try:
            while queue and queue[0][0] <= now:
                event: Any = heappop(queue)[3]
                key = event._rm_key
                if key is not None:
                    reads.add(key)
                callbacks, event._cbs = event._cbs, None
                if self._advancing and not self.timer_order:
                    self.timer_order = not _commuting(callbacks)
                try:
                    for callback in callbacks:
                        callback(event)
                except (ModelError, KeyboardInterrupt, SystemExit):
                    raise
                except Escape as escape:
                    raise escape.error from None
                except BaseException as error:
                    self._failure = StepFailed(
                        actor, error, f"a callback of {describe_event(event)}"
                    )
                    return
                if not event._ok and not hasattr(event, "_defused"):
                    if isinstance(event, Process):  # the exception escaped the process
                        self._failure = StepFailed(event._name, event._value, "step")
                        return
                    self._unhandled.append(event)
        finally:
            self._owner = None

    def _advance_time(self) -> bool:
        """Move to the next event time, unless only daemons' timers are left."""
        if not self._queue or self._live == 0:
            return False
        if not any(_keeps_alive(entry[3]) for entry in self._queue):
            return False
        self._now = self._queue[0][0]
        self._advancing = True
        try:
            self._drain(None)
        finally:
            self._advancing = False
        if self._failure is not None:
            raise self._failure
        for proc in self._guarded.values():  # `env.now` and timers moved on
            if proc._guard is not None:
                proc._guard.stale = True
        return True

    # ----------------------------------------------------- ready and guarded
    def _make_ready(self, proc: Process, event: Any, *, woken: bool = True) -> None:
        """`proc` resumes on `event` at its next step: a write of the process when
        another step or event woke it (its own steps already read its key)."""
        proc._wake = event
        proc._woken = woken
        self._ready[proc._name] = proc
        if woken:
            self.footprint.writes.add(proc.key)

    def _unready(self, proc: Process) -> None:
        """`proc` no longer resumes on its pending wake-up (an interrupt overtook it)."""
        del self._ready[proc._name]
        proc._wake = None

    def _add_guard(self, proc: Process) -> None:
        self._guarded[proc._name] = proc

    def _remove_guard(self, proc: Process) -> None:
        self._guarded.pop(proc._name, None)

    def _guard_holds(self, proc: Process) -> bool:
        guard = proc._guard
        assert guard is not None
        if not guard.stale:
            return guard.holds
        footprint = self.footprint
        footprint.clear()
        self._in_guard = True
        self._active_proc = proc
        try:
            holds = bool(guard.predicate())
        except (ModelError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:
            guard.read(frozenset(footprint.reads))
            guard.stale = False
            raise StepFailed(proc._name, error, "its wait_until predicate") from None
        finally:
            self._in_guard = False
            self._active_proc = None
        if footprint.writes or footprint.emits:
            raise ModelError(
                f"the wait_until predicate of {proc._name!r} wrote "
                f"{sorted(footprint.writes | footprint.emits)}.",
                where=proc.suspended_at(),
                hint="Predicates must only read; do the write after the yield.",
            )
        guard.read(frozenset(footprint.reads))
        guard.holds = holds
        guard.stale = not guard.reads
        return holds

    def _guard_reads(self, name: str | None) -> frozenset[str]:
        """The keys every evaluation of `name`'s wait_until read so far (none when it
        waits in no wait_until)."""
        proc = self._processes.get(name) if name is not None else None
        guard = proc._guard if proc is not None else None
        return guard.seen if guard is not None else frozenset()

    @staticmethod
    def _changed(writes: set[str], footprint: Footprint) -> set[str]:
        """What a step changed that a guard may have read: its writes, the trace if
        it emitted, the timers if it scheduled one, and the history (every step)."""
        changed = {HISTORY_KEY, *writes}
        if footprint.emits:
            changed.add(EVENTS_KEY)
        if footprint.timers:
            changed.add(TIMERS_KEY)
        return changed

    def _mark_stale(self, writes: frozenset[str] | set[str]) -> None:
        for proc in self._guarded.values():
            guard = proc._guard
            if guard is not None and not guard.stale and not guard.reads.isdisjoint(writes):
                guard.stale = True

    # --------------------------------------------------------- bookkeeping
    def _track(self, name: str, obj: Any) -> Any:
        if not isinstance(name, str) or not name:
            raise ModelError(f"tracked state needs a name, got {name!r}.", where=caller_location(3))
        if name in self._state:
            raise ModelError(
                f"two tracked variables are named {name!r}.",
                where=caller_location(3),
                hint="Names key the footprints and final states; make them unique.",
            )
        self._state[name] = obj
        return obj

    def _numbered(self, base: str) -> str:
        n = self._counters.get(base, 0)
        self._counters[base] = n + 1
        return f"{base}.{n}"

    def _object_key(self, kind: str) -> str:
        """A key stable across executions: named after the process whose step (or
        whose events' processing) created the object, and a counter."""
        owner = self._active_proc or self._owner
        return self._numbered(f"{owner.name if owner is not None else 'build'}/{kind}")

    def pending(self) -> list[Pending]:
        """Processes that could still move: ready ones, and those in wait_until (with
        the keys their guard read; enabled unless the guard was false when last read)."""
        found = [Pending(name, True, None) for name in self._ready]
        for name, proc in self._guarded.items():
            guard = proc._guard
            if guard is not None:
                enabled = guard.stale or guard.holds
                found.append(Pending(name, enabled, guard.seen))
        return found

    def close(self) -> None:
        """The execution is over: close the generators of unfinished processes now,
        quietly (Python would otherwise do it whenever they are collected, printing
        what their `finally` or `except` blocks raise)."""
        self._hooks = _Closed()
        for proc in self.live_processes():
            with contextlib.suppress(BaseException):  # whatever the model does on its way out
                proc._generator.close()

    def live_processes(self) -> list[Process]:
        """Processes that have not finished, in creation order (in a step, a read
        of the history: see `_read_history`)."""
        self._read_history()
        return [p for p in self._processes.values() if p._value is PENDING]

    def snapshot(self) -> tuple[Any, ...]:
        """The state at the end, canonical: tracked state, labelled events and SimPy
        resources by key, and the processes still alive, each in name order (which
        steps created them first is not part of the state)."""
        return (
            tuple(sorted((name, obj.snapshot()) for name, obj in self._state.items())),
            tuple(sorted((e._rm_key, _event_state(e)) for e in self._events)),
            tuple(sorted((r._rasmodel_key, _resource_state(r)) for r in self._resources)),
            tuple(sorted(name for name, p in self._processes.items() if p._value is PENDING)),
        )

    def describe_switches(self, words: Callable[[str, str], str | None]) -> None:
        """Name switches in the model's own terms in counterexamples: `words(prev, next)`
        says what it means that `next` ran while `prev` could have gone on ("NMI on
        cpu0 interrupts A"), or None for the plain "preempts prev"."""
        self._switch_words = words

    def describe_executions(
        self, notes: Callable[[Sequence[Step], Sequence[Any]], Iterable[str]]
    ) -> None:
        """Add notes to counterexample reports in the model's own terms:
        `notes(steps, run_choices)` (each step with the scheduling choice that ran it,
        whose `options` were the processes that could run) returns lines to print
        under the trace ("cpu0 made no progress for 9 steps of cpu1 ...")."""
        self._note_writers.append(notes)

    def bounded_by(self, reached: Callable[[], Any]) -> None:
        """Declare a bound of the model's own (a budget of preemptions, say):
        `reached()` is true where that bound is what keeps a step out. rasmodel claims
        no livelock in such a state: without the bound, something else could run."""
        self._bounds.append(reached)

    def bound_reached(self) -> bool:
        """Whether a bound declared with `bounded_by` keeps a step out now."""
        return any(_model_words(reached, "env.bounded_by()'s function") for reached in self._bounds)

    def time_can_advance(self) -> bool:
        """An event due later could still wake a non-daemon process."""
        return self._live > 0 and any(
            entry[0] > self._now and _keeps_alive(entry[3]) for entry in self._queue
        )

    def execution_notes(self, steps: Sequence[Step], runs: Sequence[Any]) -> tuple[str, ...]:
        lines: list[str] = []
        for notes in self._note_writers:
            found = _model_words(partial(_listed, notes, steps, runs), "describe_executions()")
            lines += [str(line) for line in found]
        return tuple(lines)

    def switch_words(self, prev: str, next_actor: str) -> str | None:
        words = self._switch_words
        if words is None:
            return None
        return _model_words(lambda: words(prev, next_actor), "env.describe_switches()'s function")

    def shown_values(self, writes: frozenset[str]) -> tuple[tuple[str, str], ...]:
        """The tracked vars and queues among `writes`, with their values now, for
        counterexample reports."""
        state = self._state
        return tuple((key, state[key].shown()) for key in sorted(writes) if key in state)

    def writes_fingerprint(self, writes: frozenset[str]) -> int:
        """A hash of the values a step wrote, for the replay determinism check."""
        state = self._state
        if len(writes) == 1:  # most steps write one key
            (key,) = writes
            tracked = state.get(key)
            return hash((key, tracked.snapshot() if tracked is not None else None))
        return hash(tuple((k, state[k].snapshot() if k in state else None) for k in sorted(writes)))


# ------------------------------------------------------------------ events
class Event(simpy.Event):
    """SimPy's event with a label for reports; its key names its creator."""

    env: Env
    _rm_key: str

    def __init__(self, env: Env, label: str | None = None) -> None:
        super().__init__(env)
        self.label = label or self._rm_key

    def _desc(self) -> str:
        return f"event {self.label!r}"


class Pause(simpy.Event):
    """An already-processed event: yielding it is a bare scheduling point."""

    _cbs: Any

    def __init__(self, env: Env, label: str | None) -> None:
        self.env = env
        self._cbs = None
        self._ok = True
        self._value = None
        self.label = label

    def _desc(self) -> str:
        return f"pause {self.label!r}" if self.label else "pause"


class WaitUntil(simpy.Event):
    """A guarded step: the waiting process is enabled only while `predicate()` is true.

    The guard's reads are remembered so the guard is re-evaluated only after a step
    writes one of them; when the process is picked, the check and the code after the
    yield run as one step. What the reduction takes the guard to read (`seen`) is
    every key any evaluation during the wait read: an evaluation that short-cuts
    (`if not candidates: return False`) reads less than one that found it true, and a
    write that made the guard false is to a key only the true one read.
    """

    def __init__(self, env: Env, predicate: Callable[[], Any], label: str | None) -> None:
        if not callable(predicate):
            raise ModelError(
                f"env.wait_until() needs a callable predicate, got {predicate!r}.",
                where=caller_location(3),
                hint="Write it as `yield env.wait_until(lambda: lock.value is None)`.",
            )
        self.env = env
        self._cbs: list[Any] = []
        self.predicate = predicate
        self.label = label
        self.reads: frozenset[str] = frozenset()  # by the last evaluation
        self.seen: frozenset[str] = frozenset()  # by every evaluation of this wait
        self.holds = False
        self.stale = True
        self.waiter: Process | None = None
        self.idle = False  # a daemon's rest (see `Env.wait_until`)
        self.explain: Callable[[], str] | None = None

    def read(self, keys: frozenset[str]) -> None:
        """An evaluation read `keys`."""
        self.reads = keys
        self.seen = self.seen | keys

    def _desc(self) -> str:
        return f"wait_until {self.label!r}" if self.label else "wait_until"


class Process(simpy.Process):
    """A SimPy process with a deterministic name whose wake-ups wait for the explorer."""

    env: Env
    _cbs: Any
    _rm_key: str

    def __init__(
        self,
        env: Env,
        generator: Generator[Any, Any, Any],
        name: str,
        *,
        daemon: bool,
        serial: int,
    ) -> None:
        self.env = env
        self.key = process_key(name)
        self._rm_key = self.key  # as an event (joins, conditions), it is the process
        self._cbs = []
        self._generator = generator
        self._name = name
        self.daemon = daemon
        self.serial = serial
        self.context = ""
        self._wake: simpy.Event | None = None
        self._woken = False  # `_wake` came through its event's callbacks, not at once
        self._guard: WaitUntil | None = None
        self._deferred_interrupts: list[Interruption] = []
        self._left_guard: frozenset[str] | None = None  # the wait_until an interrupt ended
        self._target = Initialize(env, self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def is_alive(self) -> bool:
        self.env.footprint.reads.add(self.key)
        return self._value is PENDING

    @property
    def target(self) -> Any:
        """What the process waits for, which each of its steps changes: a read of
        its history (see `Env._read_history`)."""
        self.env.footprint.reads.add(self.key)
        self.env._read_history()
        return self._target

    def _desc(self) -> str:
        return f"process {self._name!r}"

    def interrupt(self, cause: Any | None = None) -> None:
        """Throw `simpy.Interrupt(cause)` into this process as a step of its own."""
        self.env.footprint.access(self.key)
        _DeferrableInterruption(self, cause)

    def _resume(self, event: simpy.Event) -> None:
        """SimPy's wake-up callback: make the process ready instead of running it. A
        failure delivered to a waiting process is handled (it is thrown into it)."""
        if not event._ok:
            event._defused = True
        self.env._make_ready(self, event)

    def _overtaken_by_interrupts(self) -> bool:
        """Whether an interrupt now is delivered before the pending wake-up (see
        `_DeferrableInterruption`)."""
        wake = self._wake
        return (
            (self._woken or isinstance(wake, Pause))
            and not self._deferred_interrupts
            and wake is not None
            and wake._ok
            and not isinstance(wake, (Initialize, Interruption))
        )

    def _block_on(self, target: Any) -> None:  # noqa: C901 - one branch per kind of target
        """Wait for `target`, the value the step just yielded."""
        self._target = target
        if self._deferred_interrupts:
            interruption = self._deferred_interrupts.pop(0)
            self.env._make_ready(self, interruption, woken=False)
            return
        if isinstance(target, WaitUntil):
            if target.waiter is not None:
                raise ModelError(
                    f"process {self._name!r} yielded a wait_until already yielded by "
                    f"{target.waiter.name!r}.",
                    hint="Call env.wait_until() once per wait.",
                )
            target.waiter = self
            self._guard = target
            self.env._add_guard(self)
            return
        if not isinstance(target, simpy.Event):
            raise ModelError(
                f"process {self._name!r} yielded {target!r}, which is not an event.",
                where=self.suspended_at(),
                hint="Yield env.pause(), env.wait_until(...), env.timeout(...) or an event.",
            )
        event: Any = target
        key = event._rm_key
        if key is not None:
            self.env.footprint.reads.add(key)
        callbacks = event._cbs
        if callbacks is None:
            if not event._ok:
                event._defused = True  # its exception is thrown into this process
            self.env._make_ready(self, event, woken=False)
        else:
            callbacks.append(self._resume)

    def _detach(self) -> None:
        """Stop waiting for the current target (an interrupt is being delivered)."""
        if self._guard is not None:
            # Whether the process could have passed its guard before the interrupt
            # depends on what the guard reads: the interrupter reads it too.
            self.env._remove_guard(self)
            self._left_guard = self._guard.seen
            self.env.footprint.reads.update(self._guard.seen)
            self._guard = None
            return
        target: Any = self._target
        callbacks = getattr(target, "_cbs", None)
        if callbacks is not None and self._resume in callbacks:
            callbacks.remove(self._resume)
            if target._rm_key is not None:
                self.env.footprint.writes.add(target._rm_key)

    def suspended_at(self) -> Location | None:
        """The model line where the process is suspended (see `sim.process`)."""
        return suspended_at(self._generator)

    def waiting_for(self) -> str:
        """What the process is blocked on, in words, for deadlock reports (in a
        step, a read of the history: see `Env._read_history`)."""
        self.env._read_history()
        target = self._target
        words = describe_event(target)
        if isinstance(target, WaitUntil) and target.explain is not None:
            words += f" ({_model_words(target.explain, 'the explain= of its wait_until')})"
        return words

    def resting(self) -> bool:
        """A daemon waiting where it rests (an idle wait_until): not stuck."""
        target = self._target
        return self.daemon and isinstance(target, WaitUntil) and target.idle


class _DeferrableInterruption(Interruption):
    """An interrupt to a process whose wake-up is pending (it was woken and has not
    taken the step yet): delivered first, or after the process blocks again.

    SimPy delivers an interrupt (an urgent event) before an event already scheduled
    to wake the process (a timeout that ends at this instant, a granted request): the
    process never sees that wake-up. Here such a wake-up was processed with its
    instant, so the interrupt takes its place. Three wake-ups are not overtaken, as
    in SimPy: the start of the process (a process starts before an interrupt reaches
    it), an interrupt already pending (they arrive in order), and an event that had
    happened before the process yielded it (the process goes on at once; but
    `env.pause()`, a scheduling point like SimPy's `timeout(0)`, is overtaken). Then
    the interrupt is deferred until the process blocks again. A failed event the
    process waited for is not overtaken either: SimPy would report it unhandled."""

    def _interrupt(self, event: simpy.Event) -> None:
        process = self.process
        if process._value is not PENDING:
            return
        assert isinstance(process, Process)
        if process._wake is not None:
            if not process._overtaken_by_interrupts():
                process._deferred_interrupts.append(self)
                return
            # The process could have taken its wake-up first: the interrupt's step
            # races with the interrupter's, not caused by it (see `happens_before`).
            self._rasmodel_cause = getattr(process._wake, "_rasmodel_cause", -1)
            process.env._unready(process)
        process._detach()
        process.env._make_ready(process, self)


def _listed(fn: Callable[..., Iterable[str]], *args: Any) -> list[str]:
    return list(fn(*args))


def _model_words(words: Callable[[], Any], what: str) -> Any:
    """Call a model's report callback: one that raises is a model error at its line."""
    try:
        return words()
    except (ModelError, KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        raise ModelError(
            f"{what} raised {describe_exception(error)}.",
            where=location_of_traceback(error.__traceback__),
            hint="It only describes a state for reports: read tracked state and return a "
            "string, for every state the model can reach.",
        ) from None


def describe_event(event: Any) -> str:
    """A short phrase for what a process waits on."""
    if event is None:
        return "nothing"
    if isinstance(event, (Event, Pause, WaitUntil, Process)):
        return event._desc()
    if isinstance(event, Initialize):
        return "its start"
    if isinstance(event, simpy.Timeout):
        return f"timeout({event._delay})"
    resource = getattr(event, "resource", None)
    if resource is not None:
        key = getattr(resource, "_rasmodel_key", None) or type(resource).__name__
        return f"{type(event).__name__.lower()} on {key}"
    if isinstance(event, Condition):
        joint = " | " if event._evaluate is Condition.any_events else " & "
        return "(" + joint.join(describe_event(e) for e in event._events) + ")"
    label = getattr(event, "label", None)
    return f"event {label!r}" if label else type(event).__name__


def describe_wake(wake: Any) -> str:
    """What a step resumed after: "start", "interrupt('x')", "after pause 'y'"."""
    if isinstance(wake, WaitUntil):
        return wake._desc()
    if isinstance(wake, Initialize):
        return "start"
    if isinstance(wake, Interruption):
        return f"interrupt({wake._value.cause!r})"
    return "after " + describe_event(wake)


def _keeps_alive(event: Any) -> bool:
    """Whether processing `event` could wake a non-daemon process (daemon timers don't)."""
    for callback in event._cbs or ():
        owner = getattr(callback, "__self__", None)
        if owner is event:
            continue
        if isinstance(owner, Process):
            if not owner.daemon:
                return True
        elif isinstance(owner, Condition):
            if _keeps_alive(owner):
                return True
        else:
            return True
    return False


_original_check = Condition._check


def _condition_check(self: Any, event: Any) -> None:
    """A condition counts the events of it that were processed, and the count
    decides whether it triggers: each check reads and writes the condition, also
    when it does not trigger yet."""
    key = self._rm_key
    if key is not None:
        footprint = self.env.footprint
        footprint.reads.add(key)
        footprint.writes.add(key)
    _original_check(self, event)


_COMMUTING = (Process._resume, _condition_check, Condition._build_value)


def _commuting(callbacks: list[Any]) -> bool:
    """Events processed when time advances run in SimPy's insertion order, which the
    interleaving of the steps that scheduled them decides; wake-ups and conditions
    do not care in which order they run, but a callback a model added might."""
    return all(getattr(callback, "__func__", None) in _COMMUTING for callback in callbacks)


def _event_state(event: Any) -> tuple[Any, ...]:
    if event._value is PENDING:
        return ("pending",)
    value = event._value
    shown = f"{type(value).__name__}{value.args}" if isinstance(value, BaseException) else value
    return ("processed" if event._cbs is None else "triggered", event._ok, fingerprint(shown))


# ------------------------------------------------- SimPy events, tracked
def _get_callbacks(event: Any) -> Any:
    key = event._rm_key
    if key is not None:
        event.env.footprint.writes.add(key)
    return event._cbs


def _set_callbacks(event: Any, value: Any) -> None:
    event._cbs = value
    if event._rm_key is None and isinstance(event.env, Env):
        event._rm_key = event.env._object_key(type(event).__name__)


def _reading(name: str) -> property:
    """One of SimPy's read-only event properties, reading the event's key."""
    original: property = getattr(simpy.Event, name)

    def get(event: Any) -> Any:
        key = event._rm_key
        if key is not None:
            event.env.footprint.reads.add(key)
        return original.fget(event)  # type: ignore[misc]

    return property(get, original.fset, doc=original.__doc__)


def _processed(event: Any) -> bool:
    key = event._rm_key
    if key is not None:
        event.env.footprint.reads.add(key)
    return event._cbs is None


def _defused_setter(event: Any, value: bool) -> None:
    key = event._rm_key
    if key is not None:
        event.env.footprint.writes.add(key)
    event._defused = True


_original_trigger = simpy.Event.trigger


def _trigger(self: Any, event: Any) -> None:
    """`event.trigger(other)` copies `other`'s outcome: it reads `other`."""
    key = event._rm_key
    if key is not None:
        event.env.footprint.reads.add(key)
    _original_trigger(self, event)


def _track_events() -> None:
    base = simpy.Event
    base._rm_key = None  # type: ignore[attr-defined]
    base._cbs = None  # type: ignore[attr-defined]
    base.callbacks = property(_get_callbacks, _set_callbacks)  # type: ignore[assignment]
    for name in ("triggered", "ok", "value"):
        setattr(base, name, _reading(name))
    defused = _reading("defused")
    base.defused = property(defused.fget, _defused_setter)  # type: ignore[assignment]
    base.processed = property(_processed)  # type: ignore[assignment]
    base.trigger = _trigger  # type: ignore[method-assign]
    Condition._check = _condition_check  # type: ignore[method-assign]


# --------------------------------------------------- SimPy resources, tracked
class _ReadOnlyList(list[Any]):
    """A copy of a resource's list for a model to read; changing it is a model error."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise ModelError(
            "a model changed a SimPy resource's list directly.",
            where=caller_location(),
            hint="Change a resource only through its methods (put, get, request, release), "
            "so rasmodel can track the change.",
        )

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = _refuse


class _ProcessTable(Mapping[str, "Process"]):
    """`Env.processes`: a process by its name, and the names there are (which steps
    created them: the history)."""

    def __init__(self, env: Env) -> None:
        self._env = env

    def __getitem__(self, name: str) -> Process:
        return self._env._processes[name]

    def __iter__(self) -> Iterator[str]:
        self._env._read_history()
        return iter(self._env._processes)

    def __len__(self) -> int:
        self._env._read_history()
        return len(self._env._processes)

    def __contains__(self, name: object) -> bool:
        self._env._read_history()
        return name in self._env._processes


class _ResourceList:
    """A resource attribute holding a list (`items`, `users`, `put_queue`, ...): SimPy's
    own code uses the list; a model reading it reads the resource's key and gets a
    copy (so what it saw cannot change behind the footprint)."""

    def __init__(self, name: str) -> None:
        self.slot = "_rm_" + name

    def __get__(self, resource: Any, owner: type | None = None) -> Any:
        if resource is None:
            return self
        value = resource.__dict__[self.slot]
        key = resource._rasmodel_key
        if key is None:
            return value
        resource._env.footprint.reads.add(key)  # in SimPy's code too: a filter may
        if resource._env._resource_depth:  # read another resource's list
            return value
        return _ReadOnlyList(value)

    def __set__(self, resource: Any, value: Any) -> None:
        resource.__dict__[self.slot] = value


def _resource_of(obj: Any) -> Any:
    return obj if isinstance(obj, resource_base.BaseResource) else obj.resource


def _internal(method: Callable[..., Any], *, creating: bool = False) -> Callable[..., Any]:
    """Wrap SimPy resource code: it reads and writes the resource's key, and sees the
    resource's lists as they are."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        resource = args[0] if creating else _resource_of(self)
        key = resource._rasmodel_key
        if key is None:
            return method(self, *args, **kwargs)
        env = resource._env
        env.footprint.access(key)
        env._resource_depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            env._resource_depth -= 1

    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    wrapper.__name__ = method.__name__
    return wrapper


def _registering(init: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        init(self, env, *args, **kwargs)
        if isinstance(env, Env):
            self._rasmodel_key = env._object_key(type(self).__name__)
            env.footprint.access(self._rasmodel_key)
            env._resources.append(self)

    wrapper.__wrapped__ = init  # type: ignore[attr-defined]
    return wrapper


def _level(container: Any) -> Any:
    key = container._rasmodel_key
    if key is not None:
        container._env.footprint.reads.add(key)
    return container._level


def _track_resources() -> None:
    base = resource_base.BaseResource
    base._rasmodel_key = None  # type: ignore[attr-defined]
    base.__init__ = _registering(base.__init__)  # type: ignore[method-assign]
    base._trigger_put = _internal(base._trigger_put)  # type: ignore[method-assign]
    base._trigger_get = _internal(base._trigger_get)  # type: ignore[method-assign]
    base.put_queue = _ResourceList("put_queue")  # type: ignore[assignment,misc]
    base.get_queue = _ResourceList("get_queue")  # type: ignore[assignment,misc]
    for request in (resource_base.Put, resource_base.Get):
        request.__init__ = _internal(request.__init__, creating=True)  # type: ignore[method-assign]
        request.cancel = _internal(request.cancel)  # type: ignore[method-assign]
    resource_store.Store.items = _ResourceList("items")  # type: ignore[assignment]
    resource_resource.Resource.users = _ResourceList("users")  # type: ignore[assignment]
    resource_resource.Resource.queue = property(  # type: ignore[assignment]
        lambda resource: resource.put_queue, lambda resource, value: None
    )
    resource_container.Container.level = property(_level)  # type: ignore[assignment]


def _resource_state(resource: Any) -> tuple[Any, ...]:
    """The observable state of a SimPy resource, read without recording."""
    state = resource.__dict__
    parts: list[Any] = [type(resource).__name__]
    if "_rm_items" in state:
        parts.append(fingerprint(state["_rm_items"]))
    if "_level" in state:
        parts.append(state["_level"])
    if "_rm_users" in state:
        parts.append(len(state["_rm_users"]))
    parts.append(len(state["_rm_put_queue"]))
    parts.append(len(state["_rm_get_queue"]))
    return tuple(parts)


def _install() -> None:
    if getattr(simpy.Event, "_rm_key", 0) is None:
        return  # already installed (a reload)
    _track_events()
    _track_resources()


_install()
