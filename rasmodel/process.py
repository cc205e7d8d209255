"""Processes whose resumptions are steps the explorer chooses, and the events they wait on.

SimPy resumes a process inside the callback of the event it waited for. Here that
callback only marks the process *ready*; the explorer then picks which ready process
runs its next step. A step is the code between two yields and runs atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import PENDING, Interruption

from rasmodel.errors import Location, ModelError, caller_location, is_user_file

if TYPE_CHECKING:
    from rasmodel.env import Env


class Event(simpy.Event):
    """SimPy's event with a label for reports; triggering and testing it are tracked."""

    env: Env

    def __init__(self, env: Env, label: str | None = None) -> None:
        super().__init__(env)
        self.key = env._object_key("event")
        self.label = label or self.key

    @property
    def triggered(self) -> bool:
        self.env._footprint_reads.add(self.key)
        return self._value is not PENDING

    def succeed(self, value: Any | None = None) -> Event:
        self.env._footprint_writes.add(self.key)
        super().succeed(value)
        return self

    def fail(self, exception: Exception) -> Event:
        self.env._footprint_writes.add(self.key)
        super().fail(exception)
        return self

    def _desc(self) -> str:
        return f"event {self.label!r}"


class Pause(simpy.Event):
    """An already-processed event: yielding it is a bare scheduling point."""

    def __init__(self, env: Env, label: str | None) -> None:
        self.env = env
        self.callbacks = None  # type: ignore[assignment]
        self._ok = True
        self._value = None
        self.label = label

    def _desc(self) -> str:
        return f"pause {self.label!r}" if self.label else "pause"


class WaitUntil(simpy.Event):
    """A guarded step: the waiting process is enabled only while `predicate()` is true.

    The guard's reads are remembered so the guard is re-evaluated only after a step
    writes one of them; when the process is picked, the check and the code after the
    yield run as one step.
    """

    def __init__(self, env: Env, predicate: Callable[[], Any], label: str | None) -> None:
        if not callable(predicate):
            raise ModelError(
                f"env.wait_until() needs a callable predicate, got {predicate!r}.",
                where=caller_location(3),
                hint="Write it as `yield env.wait_until(lambda: lock.value is None)`.",
            )
        self.env = env
        self.callbacks = []
        self.predicate = predicate
        self.label = label
        self.reads: frozenset[str] = frozenset()
        self.holds = False
        self.stale = True
        self.waiter: Process | None = None

    def _desc(self) -> str:
        return f"wait_until {self.label!r}" if self.label else "wait_until"


class Process(simpy.Process):
    """A SimPy process with a deterministic name whose wake-ups wait for the explorer."""

    env: Env

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
        self.callbacks = []
        self._generator = generator
        self._name = name
        self.daemon = daemon
        self.serial = serial
        self.context = ""
        self.key = "proc:" + name
        self._wake: simpy.Event | None = None
        self._guard: WaitUntil | None = None
        self._deferred_interrupts: list[Interruption] = []
        self.last_step = -1
        self._target = simpy.events.Initialize(env, self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def is_alive(self) -> bool:
        self.env._footprint_reads.add(self.key)
        return self._value is PENDING

    def _desc(self) -> str:
        return f"process {self._name!r}"

    def interrupt(self, cause: Any | None = None) -> None:
        """Throw `simpy.Interrupt(cause)` into this process as a step of its own."""
        self.env._footprint_writes.add(self.key)
        _DeferrableInterruption(self, cause)

    def _resume(self, event: simpy.Event) -> None:
        """SimPy's wake-up callback: make the process ready instead of running it."""
        self.env._make_ready(self, event)

    def _block_on(self, target: Any) -> None:
        """Wait for `target`, the value the step just yielded."""
        self._target = target
        if self._deferred_interrupts:
            interruption = self._deferred_interrupts.pop(0)
            self.env._make_ready(self, interruption)
            return
        callbacks: Any = getattr(target, "callbacks", False)
        if callbacks is None:
            self.env._make_ready(self, target)
        elif isinstance(target, WaitUntil):
            if target.waiter is not None:
                raise ModelError(
                    f"process {self._name!r} yielded a wait_until already yielded by "
                    f"{target.waiter.name!r}.",
                    hint="Call env.wait_until() once per wait.",
                )
            target.waiter = self
            self._guard = target
            self.env._add_guard(self)
        elif callbacks is False or not isinstance(target, simpy.Event):
            raise ModelError(
                f"process {self._name!r} yielded {target!r}, which is not an event.",
                where=self.suspended_at(),
                hint="Yield env.pause(), env.wait_until(...), env.timeout(...) or an event.",
            )
        else:
            callbacks.append(self._resume)

    def _detach(self) -> None:
        """Stop waiting for the current target (an interrupt is being delivered)."""
        if self._guard is not None:
            self.env._remove_guard(self)
            self._guard = None
            return
        callbacks = getattr(self._target, "callbacks", None)
        if callbacks is not None and self._resume in callbacks:
            callbacks.remove(self._resume)

    def suspended_at(self) -> Location | None:
        """The model line where the generator is suspended, following `yield from`
        down to the innermost frame in the model's own files (not in a library)."""
        gen: Any = self._generator
        code = getattr(gen, "gi_code", None)
        if getattr(gen, "gi_frame", None) is None and code is not None:
            return Location(code.co_filename, code.co_firstlineno, code.co_name)  # finished
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

    def waiting_for(self) -> str:
        """What the process is blocked on, in words, for deadlock reports."""
        return describe_event(self._target)


class _DeferrableInterruption(Interruption):
    """An interrupt that waits while its process has a wake-up pending.

    In SimPy a woken process runs before a later interrupt is delivered; here the
    wake-up is a step not yet taken, so the interrupt is deferred until the process
    blocks again (SimPy's guarantee that a process starts first is kept the same way).
    """

    def _interrupt(self, event: simpy.Event) -> None:
        process = self.process
        if process._value is not PENDING:
            return
        assert isinstance(process, Process)
        if process._wake is not None:
            process._deferred_interrupts.append(self)
            return
        process._detach()
        process.env._make_ready(process, self)


def describe_event(event: Any) -> str:
    """A short phrase for what a process waits on."""
    if event is None:
        return "nothing"
    if isinstance(event, (Event, Pause, WaitUntil, Process)):
        return event._desc()
    if isinstance(event, simpy.events.Initialize):
        return "its start"
    if isinstance(event, simpy.Timeout):
        return f"timeout({event._delay})"
    resource = getattr(event, "resource", None)
    if resource is not None:
        key = getattr(resource, "_rasmodel_key", type(resource).__name__)
        return f"{type(event).__name__.lower()} on {key}"
    if isinstance(event, simpy.events.Condition):
        joint = " | " if event._evaluate is simpy.events.Condition.any_events else " & "
        return "(" + joint.join(describe_event(e) for e in event._events) + ")"
    label = getattr(event, "label", None)
    return f"event {label!r}" if label else type(event).__name__
