"""Properties: invariants, final-state checks, trace checks and the trace combinators.

A property function returns truthy (or None) when it holds, returns a string naming
what is wrong, or raises `AssertionError`. Trace combinators are monitors fed each
emitted event, so safety ones (`never`, `before`, `at_most_once`, `after` with
`before=`) stop an execution's check at the first bad prefix.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasmodel.errors import ModelError, describe_exception, location_of_traceback
from rasmodel.sim.process import TraceEvent

BUILTIN_PROPERTIES = ("deadlock", "livelock", "assertion", "exception")

Key = str | tuple[str, ...] | Callable[[Mapping[str, Any]], Any] | None
Where = Callable[[Mapping[str, Any]], Any] | None


class Kind(enum.Enum):
    """When a property is evaluated."""

    INVARIANT = "invariant"  # after the build and after every step
    FINAL = "final"  # at the end of complete, deadlock-free executions
    TRACE = "trace"  # fed the trace; see Monitor
    BUILTIN = "builtin"  # deadlock, livelock, assertion, exception: found by the execution


class Monitor:
    """Per-execution state of a trace property."""

    def on_event(self, event: TraceEvent) -> str | None:
        """Return a message when this prefix of the trace already violates the property."""
        return None

    def at_end(self, trace: list[TraceEvent], system: Any, params: Mapping[str, Any]) -> str | None:
        """Return a message when the complete trace violates the property."""
        return None


@dataclass(frozen=True)
class Ordering:
    """Emitted kinds whose order a trace property's verdict depends on: an emit of a
    kind in `first` and one of a kind in `then` (None: any kind) may not be swapped.

    The reduction keeps these orders and no others, so it also keeps two emits in
    `then` in order (a step that emits is a writer there; one in `first` only a
    reader): needlessly for `before` and `after`, which are safe to over-order."""

    first: frozenset[str]
    then: frozenset[str] | None


@dataclass(frozen=True)
class TraceSpec:
    """A trace combinator before it is registered under a name with `model.check()`.

    `orders` says which orders of its kinds the verdict depends on (None: every
    order of every kind it reads, the safe default); `never`, `eventually` and
    `at_most_once` depend on which events happen, not on their order."""

    describe: str
    make_monitor: Callable[[], Monitor]
    kinds: frozenset[str] | None
    needs_clean_end: bool
    orders: tuple[Ordering, ...] | None = None


@dataclass(frozen=True)
class Property:
    """A named property of a model."""

    name: str
    kind: Kind
    description: str
    fn: Callable[..., Any] | None = None
    spec: TraceSpec | None = None
    kinds: frozenset[str] | None = None  # emitted kinds a trace function reads (None: all)

    @property
    def needs_clean_end(self) -> bool:
        """Checked only on complete executions that did not deadlock."""
        if self.kind is Kind.FINAL:
            return True
        return self.spec is not None and self.spec.needs_clean_end

    @property
    def reads_emits(self) -> frozenset[str] | None:
        """The emitted kinds this property reads (None: all of them)."""
        if self.kind is not Kind.TRACE:
            return frozenset()
        return self.spec.kinds if self.spec is not None else self.kinds

    @property
    def orders(self) -> tuple[Ordering, ...]:
        """The orders of emits its verdict depends on (see `Ordering`): a trace
        function may read any order of the kinds it reads."""
        if self.kind is not Kind.TRACE:
            return ()
        if self.spec is not None and self.spec.orders is not None:
            return self.spec.orders
        return (Ordering(frozenset(), self.reads_emits),)

    def monitor(self) -> Monitor:
        if self.spec is not None:
            return self.spec.make_monitor()
        assert self.fn is not None
        return _FunctionMonitor(self.fn)


class PropertyRaised(Exception):
    """A property function raised something other than an assertion: the property is
    broken, which is a model error, not a violation of the design."""

    def __init__(self, error: Exception) -> None:
        super().__init__(describe_exception(error))
        self.error = error
        self.where = location_of_traceback(error.__traceback__)

    def model_error(self, name: str, when: str, why: str = "") -> ModelError:
        why = why or (
            "A property returns True, False or a message, or fails an assert; anything "
            "else it raises is a bug in the property"
        )
        return ModelError(
            f"property {name!r} raised {describe_exception(self.error)} {when}.",
            where=self.where,
            hint=f"{why}. Fix it, and check it with `rasmodel check MODEL -p {name}`.",
        )


def judge(fn: Callable[..., Any], *args: Any) -> str | None:
    """Run a property function; None when it holds, else the message."""
    try:
        result = fn(*args)
    except AssertionError as error:
        text = str(error)
        if text:
            return text
        where = location_of_traceback(error.__traceback__)
        return f"assertion failed at {where}" if where else "assertion failed"
    except ModelError:
        raise  # rasmodel's own message about the property (it chose, say)
    except Exception as error:  # a bug in the property, not in the design
        raise PropertyRaised(error) from None
    if isinstance(result, str):
        return result or f"{getattr(fn, '__name__', 'property')} returned an empty message"
    if result is None or result:
        return None
    return f"{getattr(fn, '__name__', 'property')} returned {result!r}"


class _FunctionMonitor(Monitor):
    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def at_end(self, trace: list[TraceEvent], system: Any, params: Mapping[str, Any]) -> str | None:
        return judge(self.fn, system, params, [e.as_dict() for e in trace])


def _key_function(key: Key) -> Callable[[Mapping[str, Any]], Any]:
    if key is None:
        return lambda data: None
    if isinstance(key, str):
        return lambda data: data.get(key)
    if isinstance(key, tuple):
        names = key
        return lambda data: tuple(data.get(n) for n in names)
    if callable(key):
        return key
    raise TypeError(f"key must be a field name, a tuple of names or a callable, not {key!r}")


def _matches(where: Where) -> Callable[[Mapping[str, Any]], bool]:
    return (lambda data: True) if where is None else (lambda data: bool(where(data)))


def _keyed(what: str, key: Any) -> str:
    return what if key is None else f"{what} (key {key!r})"


def _at(event: TraceEvent) -> str:
    return f"at step {event.step} by {event.actor}"


def never(kind: str | tuple[str, ...], where: Where = None) -> TraceSpec:
    """No event of `kind` (or of any kind in a tuple of kinds, matching `where`) is
    ever emitted. `where(data)` gets the event's data: the dict of the keyword
    arguments of its `env.emit()`."""
    kinds = frozenset({kind} if isinstance(kind, str) else kind)
    match = _matches(where)

    class Never(Monitor):
        def on_event(self, event: TraceEvent) -> str | None:
            if event.kind in kinds and match(event.data):
                return f"{event.kind} {_format_data(event.data)} {_at(event)}"
            return None

    return TraceSpec(f"never({kind!r})", Never, kinds, False, orders=())


def before(first: str, then: str, key: Key = None) -> TraceSpec:
    """Every `then` event is preceded by a `first` event with the same key: `key` is
    a field name of the events' data, a tuple of names, or a function of the data
    dict (the keyword arguments of `env.emit()`); None: any `first` before it."""
    key_of = _key_function(key)

    class Before(Monitor):
        def __init__(self) -> None:
            self.seen: set[Any] = set()

        def on_event(self, event: TraceEvent) -> str | None:
            if event.kind == then:
                k = key_of(event.data)
                if k not in self.seen:
                    return f"{_keyed(then, k)} {_at(event)} with no {first} before it"
            if event.kind == first:
                self.seen.add(key_of(event.data))
            return None

    orders = (Ordering(frozenset({first}), frozenset({then})),)
    kinds = frozenset({first, then})
    return TraceSpec(f"before({first!r}, {then!r})", Before, kinds, False, orders=orders)


def at_most_once(kind: str, key: Key = None) -> TraceSpec:
    """No two `kind` events share a key (a field name, a tuple of names or a function
    of the data dict, as for `before`; None: at most one `kind` event at all)."""
    key_of = _key_function(key)

    class AtMostOnce(Monitor):
        def __init__(self) -> None:
            self.seen: dict[Any, int] = {}

        def on_event(self, event: TraceEvent) -> str | None:
            if event.kind != kind:
                return None
            k = key_of(event.data)
            if k in self.seen:
                return f"{_keyed(kind, k)} twice: at step {self.seen[k]} and {_at(event)}"
            self.seen[k] = event.step
            return None

    return TraceSpec(f"at_most_once({kind!r})", AtMostOnce, frozenset({kind}), False, orders=())


def eventually(kind: str, where: Where = None) -> TraceSpec:
    """By the end of every complete execution, some `kind` event (matching `where`,
    a function of the event's data dict, as for `never`)."""
    match = _matches(where)

    class Eventually(Monitor):
        def __init__(self) -> None:
            self.seen = False

        def on_event(self, event: TraceEvent) -> str | None:
            if event.kind == kind and match(event.data):
                self.seen = True
            return None

        def at_end(self, trace: list[TraceEvent], system: Any, params: Any) -> str | None:
            return None if self.seen else f"the execution ended without {kind}"

    return TraceSpec(f"eventually({kind!r})", Eventually, frozenset({kind}), True, orders=())


def after(trigger: str, required: str, before: str | None = None, key: Key = None) -> TraceSpec:
    """Once `trigger` happened, `required` with the same key happens before the next
    `before` event with that key (or by the end of the execution when `before` is None)."""
    key_of = _key_function(key)

    class After(Monitor):
        def __init__(self) -> None:
            self.pending: dict[Any, TraceEvent] = {}

        def on_event(self, event: TraceEvent) -> str | None:
            kind = event.kind
            if before is not None and kind == before:
                k = key_of(event.data)
                if k in self.pending:
                    cause = self.pending[k]
                    return (
                        f"{_keyed(before, k)} {_at(event)} while the {trigger} at step "
                        f"{cause.step} still has no {required}"
                    )
            if kind == required:
                self.pending.pop(key_of(event.data), None)
            if kind == trigger:
                self.pending.setdefault(key_of(event.data), event)
            return None

        def at_end(self, trace: list[TraceEvent], system: Any, params: Any) -> str | None:
            if before is not None or not self.pending:
                return None
            k, cause = next(iter(self.pending.items()))
            return f"{_keyed(trigger, k)} at step {cause.step} was never followed by {required}"

    kinds = {trigger, required} | ({before} if before else set())
    text = f"after({trigger!r}, {required!r}" + (f", before={before!r})" if before else ")")
    # A trigger is answered by a later `required`; a `before` judges both. Triggers
    # among themselves, and answers among themselves, commute.
    orders = [Ordering(frozenset({trigger}), frozenset({required}))]
    if before is not None:
        orders.append(Ordering(frozenset({trigger, required}), frozenset({before})))
    return TraceSpec(text, After, frozenset(kinds), before is None, orders=tuple(orders))


def _format_data(data: Mapping[str, Any]) -> str:
    if not data:
        return ""
    return "(" + ", ".join(f"{k}={v!r}" for k, v in data.items()) + ")"
