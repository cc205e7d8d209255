"""Tracked shared state: every read and write lands in the running step's footprint.

The footprint (sets of keys read and written) is what decides whether two steps
conflict, so shared state a model does not keep here (or in SimPy events and
resources, which `sim.env` tracks) makes a reduction unsound (`--reduction none` and
`--cross-check` exist to catch that). Values must compare by value (ints, strings,
tuples, frozen dataclasses): final states and the replay determinism check
fingerprint them.
"""

from __future__ import annotations

import dataclasses
import decimal
import struct
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

from rasmodel.sim.footprint import Footprint

T = TypeVar("T")

_SCALARS = (int, str, bool, float, bytes, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def fingerprint(value: Any) -> Any:
    """A hashable, identity-free image of `value`, equal across re-executions.

    Objects that compare by identity (processes, events, plain class instances) are
    replaced by their name or type, so storing them in tracked state does not read as
    nondeterminism.
    """
    if type(value) is float and value != value:  # NaN: its hash is its identity
        return ("nan", struct.pack("<d", value))
    if isinstance(value, (complex, decimal.Decimal)) and _nan(value):
        return ("nan", type(value).__name__, repr(value))
    if isinstance(value, _SCALARS):
        return value
    if type(value) is tuple and all(_plain(v) for v in value):
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


def _nan(value: complex | decimal.Decimal) -> bool:
    """A NaN (a signalling Decimal NaN raises when compared)."""
    try:
        return bool(value != value)
    except decimal.InvalidOperation:
        return True


def _plain(value: Any) -> bool:
    """A scalar that is its own image (not a NaN)."""
    return isinstance(value, _SCALARS) and (type(value) is not float or value == value)


class Var(Generic[T]):
    """A shared variable whose `.value` reads and writes are recorded per step."""

    __slots__ = ("key", "_value", "_reads", "_writes")

    def __init__(self, footprint: Footprint, name: str, init: T) -> None:
        self.key = name
        self._value = init
        self._reads = footprint.reads
        self._writes = footprint.writes

    @property
    def name(self) -> str:
        """The key it is tracked under (its name in reports)."""
        return self.key

    @property
    def value(self) -> T:
        """The value; reading it is a read of the var, assigning one a write."""
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
        if type(value) in _SCALAR_TYPES and value == value:  # not a NaN
            return value
        return fingerprint(value)

    def shown(self) -> str:
        """The value for a report (not a read: no footprint)."""
        return repr(self._value)

    def __repr__(self) -> str:
        """`Var('x', 1)`; shows the value, so a read of the var (`shown` is not)."""
        self._reads.add(self.key)
        return f"Var({self.key!r}, {self._value!r})"


class Queue(Generic[T]):
    """A tracked FIFO (a list, a kfifo's backing array): one key for the whole queue."""

    __slots__ = ("key", "_items", "_reads", "_writes")

    def __init__(self, footprint: Footprint, name: str, items: Iterable[T] = ()) -> None:
        self.key = name
        self._items: deque[T] = deque(items)
        self._reads = footprint.reads
        self._writes = footprint.writes

    @property
    def name(self) -> str:
        """The key it is tracked under (its name in reports)."""
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
        """The items, oldest first (a read of the queue)."""
        return tuple(self._read())

    def snapshot(self) -> Any:
        return fingerprint(tuple(self._items))

    def shown(self) -> str:
        """The items for a report (not a read: no footprint)."""
        return repr(list(self._items))

    def __repr__(self) -> str:
        return f"Queue({self.key!r}, {list(self._items)!r})"
