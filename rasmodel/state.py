"""Tracked shared state: every read and write lands in the running step's footprint.

The footprint (sets of keys read and written) is what decides whether two steps
conflict, so shared state a model does not keep here makes a reduction unsound
(`--reduction none` and `--cross-check` exist to catch that). Values must compare
by value (ints, strings, tuples, frozen dataclasses): the final-state comparison and
the replay determinism check fingerprint them.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from simpy.resources import base as _resource_base

if TYPE_CHECKING:
    from rasmodel.env import Env

T = TypeVar("T")

_SCALARS = (int, str, bool, float, bytes, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def fingerprint(value: Any) -> Any:
    """A hashable, identity-free image of `value`, equal across re-executions.

    Objects that compare by identity (processes, events, plain class instances) are
    replaced by their name or type, so storing them in tracked state does not read as
    nondeterminism.
    """
    if isinstance(value, _SCALARS):
        return value
    if type(value) is tuple and all(isinstance(v, _SCALARS) for v in value):
        return value  # the common case, without recursion
    if isinstance(value, (tuple, list, deque)):
        return tuple(fingerprint(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(fingerprint(v) for v in value)
    if isinstance(value, dict):
        return frozenset((fingerprint(k), fingerprint(v)) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__name__,) + tuple(fingerprint(getattr(value, f.name)) for f in fields)
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return (type(value).__name__, name)
    if type(value).__eq__ is object.__eq__:
        return type(value).__name__
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class Var(Generic[T]):
    """A shared variable whose `.value` reads and writes are recorded per step."""

    __slots__ = ("key", "_value", "_reads", "_writes")

    def __init__(self, env: Env, name: str, init: T) -> None:
        self.key = name
        self._value = init
        self._reads = env._footprint_reads
        self._writes = env._footprint_writes

    @property
    def name(self) -> str:
        return self.key

    @property
    def value(self) -> T:
        self._reads.add(self.key)
        return self._value

    @value.setter
    def value(self, value: T) -> None:
        self._writes.add(self.key)
        self._value = value

    def peek(self) -> T:
        """The value without recording a read (for reports, not for model logic)."""
        return self._value

    def snapshot(self) -> Any:
        value = self._value
        return value if type(value) in _SCALAR_TYPES else fingerprint(value)

    def __repr__(self) -> str:
        return f"Var({self.key!r}, {self._value!r})"


class Queue(Generic[T]):
    """A tracked FIFO (a list, a kfifo's backing array): one key for the whole queue."""

    __slots__ = ("key", "_items", "_reads", "_writes")

    def __init__(self, env: Env, name: str, items: Iterable[T] = ()) -> None:
        self.key = name
        self._items: deque[T] = deque(items)
        self._reads = env._footprint_reads
        self._writes = env._footprint_writes

    @property
    def name(self) -> str:
        return self.key

    def _read(self) -> deque[T]:
        self._reads.add(self.key)
        return self._items

    def _write(self) -> deque[T]:
        self._reads.add(self.key)
        self._writes.add(self.key)
        return self._items

    def append(self, item: T) -> None:
        self._write().append(item)

    def appendleft(self, item: T) -> None:
        self._write().appendleft(item)

    def popleft(self) -> T:
        return self._write().popleft()

    def pop(self) -> T:
        return self._write().pop()

    def clear(self) -> None:
        self._write().clear()

    def remove(self, item: T) -> None:
        self._write().remove(item)

    def __len__(self) -> int:
        return len(self._read())

    def __bool__(self) -> bool:
        return bool(self._read())

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._read()))

    def __getitem__(self, index: int) -> T:
        return self._read()[index]

    def __contains__(self, item: object) -> bool:
        return item in self._read()

    @property
    def items(self) -> tuple[T, ...]:
        return tuple(self._read())

    def snapshot(self) -> Any:
        return fingerprint(tuple(self._items))

    def __repr__(self) -> str:
        return f"Queue({self.key!r}, {list(self._items)!r})"


def _resource_env(resource: Any) -> Env | None:
    from rasmodel.env import Env

    env = getattr(resource, "_env", None)
    return env if isinstance(env, Env) else None


def _touching(method: Any) -> Any:
    """Wrap a SimPy resource method so that it reads and writes the resource's key."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        env = _resource_env(getattr(self, "resource", self))
        if env is not None:
            key = getattr(getattr(self, "resource", self), "_rasmodel_key", None)
            if key is not None:
                env._footprint_reads.add(key)
                env._footprint_writes.add(key)
        return method(self, *args, **kwargs)

    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    wrapper.__name__ = method.__name__
    return wrapper


def _registering(init: Any) -> Any:
    """Wrap `BaseResource.__init__` so resources built on an `Env` get a stable key."""

    def wrapper(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        init(self, env, *args, **kwargs)
        if _resource_env(self) is not None:
            env._register_resource(self)

    wrapper.__wrapped__ = init  # type: ignore[attr-defined]
    return wrapper


def track_simpy_resources() -> None:
    """Make every SimPy resource (Store, Resource, Container, ...) built on an Env tracked.

    SimPy's resources funnel every change through `_trigger_put`/`_trigger_get` and the
    requests' `cancel()`; wrapping those records a read and a write of the resource in
    the running step, so no special factory is needed. Resources built on a plain
    `simpy.Environment` are untouched.
    """
    base = _resource_base.BaseResource
    if getattr(base.__init__, "__wrapped__", None) is not None:
        return
    base.__init__ = _registering(base.__init__)  # type: ignore[method-assign]
    base._trigger_put = _touching(base._trigger_put)  # type: ignore[method-assign]
    base._trigger_get = _touching(base._trigger_get)  # type: ignore[method-assign]
    _resource_base.Put.cancel = _touching(_resource_base.Put.cancel)  # type: ignore[method-assign]
    _resource_base.Get.cancel = _touching(_resource_base.Get.cancel)  # type: ignore[method-assign]


def resource_snapshot(resource: Any) -> Any:
    """The observable state of a SimPy resource, for final-state comparison."""
    parts: list[Any] = [type(resource).__name__]
    for attr in ("items", "level", "users"):
        if hasattr(resource, attr):
            value = getattr(resource, attr)
            parts.append(len(value) if attr == "users" else fingerprint(value))
    parts.append(len(resource.put_queue))
    parts.append(len(resource.get_queue))
    return tuple(parts)
