"""Env: a `simpy.Environment` whose `step()` hands every scheduling choice to the explorer.

Like SimPy's `RealtimeEnvironment`, the only change to scheduling is in `step()`:
events due now are processed at once (they run no user code), every process they
wake becomes *ready*, and the explorer picks which ready (or guard-enabled) process
runs its next step. Simulated time moves only when nothing is due now.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from heapq import heappop
from operator import attrgetter
from typing import Any, Protocol, TypeVar

import simpy
from simpy.events import PENDING, Initialize, Interruption

from rasmodel.errors import Location, ModelError, caller_location
from rasmodel.process import Event, Pause, Process, WaitUntil, describe_event
from rasmodel.state import Queue, Var, resource_snapshot, track_simpy_resources

T = TypeVar("T")

track_simpy_resources()

_serial = attrgetter("serial")
_NO_KEYS: frozenset[str] = frozenset()


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
    """One atomic step: a process resumed from `label` until its next yield.

    `reads`/`writes` are the tracked keys it touched (its footprint); `cause` is the
    step that triggered the event it resumed on (-1: the build), which orders the two.
    `resumed_on` is that event (or the wait_until), kept to describe the step.
    Treated as immutable; not a frozen dataclass only because one is built per step
    and a frozen one costs five times as much to build.
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

    @property
    def label(self) -> str:
        """What the step resumed after: "start", "after pause 'x'", "wait_until 'y'"."""
        return _wake_label(self.resumed_on)


class Hooks(Protocol):
    """What an execution runner provides to the Env: the choices and the observers."""

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str: ...

    def pick_option(self, label: str, options: Sequence[Any]) -> int: ...

    def emitted(self, event: TraceEvent) -> None: ...


class Quiescent(Exception):
    """Nothing can run now or later: the execution is over."""


class StepFailed(Exception):
    """User code raised during a step (process body, guard, or event callback)."""

    def __init__(self, actor: str, error: BaseException, during: str) -> None:
        super().__init__(actor, error)
        self.actor = actor
        self.error = error
        self.during = during


class Env(simpy.Environment):
    """The environment a model's build function receives; see DESIGN.md section 1."""

    steps_started = 0  # over all Envs: the watchdog's sign of progress

    def __init__(self, hooks: Hooks) -> None:
        super().__init__()
        self._hooks = hooks
        self._footprint_reads: set[str] = set()
        self._footprint_writes: set[str] = set()
        self._footprint_emits: set[str] = set()
        self._processes: dict[str, Process] = {}
        self._ready: dict[str, Process] = {}
        self._guarded: dict[str, Process] = {}
        self._state: dict[str, Var[Any] | Queue[Any]] = {}
        self._resources: list[Any] = []
        self._counters: dict[str, int] = {}
        self._live = 0
        self._trace: list[TraceEvent] = []
        self._step_index = -1
        self._last_actor: str | None = None
        self._in_guard = False
        self.steps: list[Step] = []

    # ----------------------------------------------------------------- model API
    def process(
        self,
        generator: Generator[Any, Any, Any],
        name: str | None = None,
        daemon: bool = False,
    ) -> Process:
        """Start a process; its start (up to the first yield) is its first step."""
        if not hasattr(generator, "throw"):
            raise ModelError(
                f"env.process() got {generator!r}, not a generator.",
                where=caller_location(),
                hint="A process body must contain at least one `yield` "
                "(add `yield env.pause()`), and be passed called: env.process(worker()).",
            )
        owner = self._active_proc
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
        return proc

    def var(self, name: str, init: T) -> Var[T]:
        """A tracked shared variable; reads and writes of `.value` are recorded."""
        return self._track(name, Var(self, name, init))

    def queue(self, name: str, items: Iterable[T] = ()) -> Queue[T]:
        """A tracked FIFO queue (append/popleft/len/iteration are recorded)."""
        return self._track(name, Queue(self, name, items))

    def event(self, label: str | None = None) -> Event:
        """A SimPy event with a label for deadlock reports and traces."""
        return Event(self, label)

    def pause(self, label: str | None = None) -> Pause:
        """A zero-delay scheduling point: `yield env.pause("after read")`."""
        return Pause(self, label)

    def wait_until(self, predicate: Callable[[], Any], label: str | None = None) -> WaitUntil:
        """A guarded step: enabled while `predicate()` holds; the code after the yield
        runs in the same step as the check that passed."""
        return WaitUntil(self, predicate, label)

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
        if self._in_guard:
            raise ModelError(
                "env.choose() was called inside a wait_until predicate.",
                where=caller_location(),
                hint="Predicates must be pure reads of tracked state.",
            )
        if len(opts) == 1:
            return opts[0]
        return opts[self._hooks.pick_option(label or "choose", opts)]

    def maybe(self, label: str | None = None) -> bool:
        """`choose([False, True])`."""
        return self.choose((False, True), label)

    def emit(self, kind: str, **data: Any) -> None:
        """Append an event to the execution's trace (a write to the trace)."""
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
        self._footprint_emits.add(kind)
        self._hooks.emitted(event)

    @property
    def trace(self) -> list[TraceEvent]:
        return self._trace

    @property
    def processes(self) -> dict[str, Process]:
        return self._processes

    @property
    def step_index(self) -> int:
        """The index of the running (or last) step; -1 during the build."""
        return self._step_index

    def run(self, until: Any = None) -> Any:
        raise ModelError(
            "a model called env.run().",
            where=caller_location(),
            hint="rasmodel drives the environment; return from the build function instead.",
        )

    # ------------------------------------------------------------ the hook
    def step(self) -> None:
        """Run one step: pick an enabled process, resume it, process what it made due."""
        enabled = self._enabled_now()
        if len(enabled) == 1:
            proc = enabled[0]
            self._hooks.pick_actor((proc._name,), self._last_actor)
        else:
            name = self._hooks.pick_actor([p._name for p in enabled], self._last_actor)
            proc = self._processes[name]
        self._run_step(proc)

    def start(self, build: Callable[..., Any] | None = None) -> None:
        """After the build: process the start events, so the first processes are ready."""
        if not self._processes:
            code = getattr(build, "__code__", None)
            raise ModelError(
                "the build function started no process.",
                where=Location(code.co_filename, code.co_firstlineno) if code else None,
                hint="Start processes with env.process(worker(), name=...) inside the build.",
            )
        self._drain("build")

    def _enabled_now(self) -> list[Process]:
        while True:
            enabled = list(self._ready.values())
            if self._guarded:
                enabled.extend(p for p in self._guarded.values() if self._guard_holds(p))
            if enabled:
                if len(enabled) > 1:
                    enabled.sort(key=_serial)
                return enabled
            if not self._advance_time():
                raise Quiescent

    def _run_step(self, proc: Process) -> None:
        self._step_index += 1
        Env.steps_started += 1
        reads = self._footprint_reads
        writes = self._footprint_writes
        reads.clear()
        writes.clear()
        self._footprint_emits.clear()
        reads.add(proc.key)  # what interrupts and joins of this process write
        wake = proc._wake
        guard = proc._guard
        guard_reads: frozenset[str] | None = None
        context = proc.context  # where the step starts (a library may change it)
        cause = getattr(wake, "_rasmodel_cause", -1) if wake is not None else -1
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
                guard_reads = frozenset(reads)
                guard.callbacks = None  # type: ignore[assignment]
                guard._ok = True
                guard._value = None
                target = gen.send(None)
            else:
                del self._ready[proc._name]
                proc._wake = None
                if wake._ok:
                    target = gen.send(wake._value)
                else:
                    wake._defused = True
                    exc = type(wake._value)(*wake._value.args)
                    exc.__cause__ = wake._value
                    target = gen.throw(exc)
        except StopIteration as stop:
            finished = True
            self._finish(proc, stop.value)
        except (ModelError, KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as error:
            proc._ok = False
            proc._value = error
            raise StepFailed(proc._name, error, "step") from None
        else:
            proc._block_on(target)
        finally:
            self._active_proc = None
        self._drain(proc._name)
        self._last_actor = proc._name
        proc.last_step = self._step_index
        step = Step(
            self._step_index,
            proc._name,
            wake if wake is not None else guard,
            self._now,
            context,
            frozenset(reads),
            frozenset(writes) if writes else _NO_KEYS,
            cause,
            finished,
            guard_reads,
            frozenset(self._footprint_emits) if self._footprint_emits else _NO_KEYS,
        )
        self.steps.append(step)
        if self._guarded:
            self._mark_stale(step.writes)

    def _finish(self, proc: Process, value: Any) -> None:
        proc._ok = True
        proc._value = value
        self._footprint_writes.add(proc.key)
        self.schedule(proc)
        if not proc.daemon:
            self._live -= 1

    def schedule(self, event: simpy.Event, priority: Any = 1, delay: Any = 0) -> None:
        """SimPy's schedule, remembering which step triggered the event."""
        event._rasmodel_cause = self._step_index  # type: ignore[attr-defined]
        super().schedule(event, priority, delay)

    def _drain(self, actor: str) -> None:
        """Process every event due now; wake-ups become ready, other callbacks run."""
        queue = self._queue
        now = self._now
        while queue and queue[0][0] <= now:
            event = heappop(queue)[3]
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            try:
                for callback in callbacks:
                    callback(event)
            except (ModelError, KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:
                raise StepFailed(actor, error, f"a callback of {describe_event(event)}") from None
            if not event._ok and not hasattr(event, "_defused"):
                if isinstance(event, Process):
                    continue  # reported as the failure of that process's step
                raise StepFailed(actor, event._value, f"{describe_event(event)}, failed unhandled")

    def _advance_time(self) -> bool:
        """Move to the next event time, unless only daemons' timers are left."""
        if not self._queue or self._live == 0:
            return False
        if not any(_keeps_alive(entry[3]) for entry in self._queue):
            return False
        self._now = self._queue[0][0]
        self._drain("time")
        return True

    # ----------------------------------------------------- ready and guarded
    def _make_ready(self, proc: Process, event: simpy.Event) -> None:
        proc._wake = event
        self._ready[proc._name] = proc

    def _add_guard(self, proc: Process) -> None:
        self._guarded[proc._name] = proc

    def _remove_guard(self, proc: Process) -> None:
        self._guarded.pop(proc._name, None)

    def _guard_holds(self, proc: Process) -> bool:
        guard = proc._guard
        assert guard is not None
        if not guard.stale:
            return guard.holds
        reads = self._footprint_reads
        writes = self._footprint_writes
        reads.clear()
        writes.clear()
        self._footprint_emits.clear()
        self._in_guard = True
        self._active_proc = proc
        try:
            holds = bool(guard.predicate())
        except (ModelError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:
            raise StepFailed(proc._name, error, "its wait_until predicate") from None
        finally:
            self._in_guard = False
            self._active_proc = None
        if writes or self._footprint_emits:
            raise ModelError(
                f"the wait_until predicate of {proc._name!r} wrote "
                f"{sorted(writes | self._footprint_emits)}.",
                where=proc.suspended_at(),
                hint="Predicates must only read; do the write after the yield.",
            )
        guard.reads = frozenset(reads)
        guard.holds = holds
        guard.stale = not guard.reads
        return holds

    def _mark_stale(self, writes: frozenset[str]) -> None:
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
        """A key stable across executions: named after the creating process."""
        owner = self._active_proc
        return self._numbered(f"{owner.name if owner is not None else 'build'}/{kind}")

    def _register_resource(self, resource: Any) -> None:
        resource._rasmodel_key = self._object_key(type(resource).__name__)
        self._resources.append(resource)

    def pending_guards(self) -> list[tuple[str, frozenset[str], int]]:
        """Processes still waiting in wait_until: (name, keys the guard reads, last step)."""
        return [
            (name, proc._guard.reads, proc.last_step)
            for name, proc in self._guarded.items()
            if proc._guard is not None
        ]

    def live_processes(self) -> list[Process]:
        """Processes that have not finished, in creation order."""
        return [p for p in self._processes.values() if p._value is PENDING]

    def snapshot(self) -> tuple[Any, ...]:
        """The final state: tracked state, resources and which processes finished."""
        return (
            tuple((name, obj.snapshot()) for name, obj in self._state.items()),
            tuple(resource_snapshot(r) for r in self._resources),
            tuple(name for name, p in self._processes.items() if p._value is PENDING),
        )

    def writes_fingerprint(self, writes: frozenset[str]) -> int:
        """A hash of the values a step wrote, for the replay determinism check."""
        state = self._state
        return hash(tuple((k, state[k].snapshot() if k in state else None) for k in sorted(writes)))


def _wake_label(wake: Any) -> str:
    if isinstance(wake, WaitUntil):
        return wake._desc()
    if isinstance(wake, Initialize):
        return "start"
    if isinstance(wake, Interruption):
        return f"interrupt({wake._value.cause!r})"
    return "after " + describe_event(wake)


def _keeps_alive(event: simpy.Event) -> bool:
    """Whether processing `event` could wake a non-daemon process (daemon timers don't)."""
    for callback in event.callbacks or ():
        owner = getattr(callback, "__self__", None)
        if owner is event:
            continue
        if isinstance(owner, Process):
            if not owner.daemon:
                return True
        elif isinstance(owner, simpy.events.Condition):
            if _keeps_alive(owner):
                return True
        else:
            return True
    return False
