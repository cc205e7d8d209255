"""The state of an execution at a scheduling point, as one hashable key.

A state cache may skip a state only if everything that decides what can happen from
it is in its key: tracked state, SimPy's events, resources and timer heap, and for
each process where it stands. A process stands in its generator's frame: the
instruction it is suspended at, its locals, and its value stack (the iterator of a
`for` loop, the sub-generator of a `yield from`, the `__exit__` of a `with` block),
read through the garbage collector's view of the frame (CPython 3.11+; see
`_frame`). Everything reachable from there is keyed by value, with sharing: two
names bound to one list differ from two equal lists. Functions are keyed by their
code, defaults, closure cells and the module globals their code names.

Two things are left out on purpose, as the reduction leaves them out: step numbers
(reordering independent steps renumbers them) and the footprint of the last step.
What cannot be keyed (an object of a C type that neither pickles nor exposes its
state, an unknown frame layout) raises `Unkeyable`: that state is explored without
the cache, and so does a structure nested too deeply to walk. Modules and classes of
the model's own (next to its file: not the standard library, an installed package or
rasmodel) are keyed with everything they hold (a module's dict that its helpers
change, a class attribute used as a C `static`, a method's globals); the execution
adds the model's module to every key (`execution._Properties.holding`), so a global
no live process names is keyed too. State kept elsewhere, such as a list in an
installed package that the model changes, is not seen: `--cache off` for such
models (see docs/cache.md).
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import site
import struct
import sys
import sysconfig
import threading
import types
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

import simpy
from simpy import core as simpy_core
from simpy import events as simpy_events

from rasmodel.sim.footprint import Footprint
from rasmodel.sim.state import Queue, Var

# Env fields that are bookkeeping of the execution or the step, not state.
_ENV_SKIP = frozenset(
    {
        "_hooks",
        "footprint",
        "_steps",
        "_table",
        "_step_index",
        "_trace",
        "_eid",
        "_active_proc",
        "_owner",
        "_in_guard",
        "_resource_depth",
        "_advancing",
        "_failure",
        "_last_actor",
        "_queue",
        "_now",
    }
)
# Per-object bookkeeping the reduction reads, not the model (which step caused it).
_ATTR_SKIP = frozenset({"_rasmodel_cause"})
_SCALARS = frozenset({int, str, type(None), bytes})


class Unkeyable(Exception):
    """Some part of the state cannot be keyed soundly."""


class Keying:
    """Builds state keys; one per search (it remembers what it learned about code)."""

    def __init__(self) -> None:
        self._globals: dict[int, tuple[types.CodeType, tuple[str, ...]]] = {}
        self.constants: dict[int, str] = {}  # SimPy's module-level objects, by name
        for module in (simpy_events, simpy_core, simpy):
            for name, value in vars(module).items():
                if not isinstance(value, (types.ModuleType, type, types.FunctionType)):
                    self.constants.setdefault(id(value), f"{module.__name__}.{name}")
        self.available = _frame_layout_ok()

    def key(self, env: Any, extra: Any = (), *, last_actor: bool = False) -> Hashable:
        """The key of `env`'s state (plus `extra`: what the properties hold); raises
        `Unkeyable`."""
        if not self.available:
            raise Unkeyable("this Python's generator frames are not understood")
        if getattr(env, "history_read", False):  # its history is its state
            raise Unkeyable("the model reads env.step_index, env.steps or env.live")
        walk = _Walk(self, env)
        try:
            return walk.env(last_actor), walk.of(extra)
        except RecursionError:
            raise Unkeyable("the state is nested too deeply to key") from None

    def names_of(self, code: types.CodeType) -> tuple[str, ...]:
        """The names `code` may load as globals (co_names covers attributes too)."""
        known = self._globals.get(id(code))
        if known is None:
            known = (code, tuple(code.co_names))
            self._globals[id(code)] = known  # the code object is kept alive with it
        return known[1]


class _Walk:
    """One key: a depth-first walk of the object graph, each object once."""

    def __init__(self, keying: Keying, env: Any) -> None:
        self.keying = keying
        self.env_obj = env
        self.constants = keying.constants
        self.memo: dict[int, int] = {}
        self.alive: list[Any] = []  # keeps walked objects alive so ids stay unique
        footprint = env.footprint
        self.fixed: dict[int, Any] = {
            id(env): ("env",),
            id(footprint): ("footprint",),
            id(footprint.reads): ("footprint",),
            id(footprint.writes): ("footprint",),
            id(footprint.emits): ("footprint",),
        }

    # ------------------------------------------------------------ the Env
    def env(self, last_actor: bool) -> Any:
        env = self.env_obj
        queue = sorted(env._queue, key=lambda entry: entry[:3])
        fields = tuple(
            (name, self.of(value))
            for name, value in vars(env).items()
            if name not in _ENV_SKIP and not _bound_to(value, env)
        )
        timers = tuple((at, priority, self.of(event)) for at, priority, _, event in queue)
        last = env._last_actor if last_actor else None
        return (env._now, timers, fields, last)

    # ------------------------------------------------------------ values
    def of(self, value: Any) -> Any:  # noqa: C901 - one branch per kind of value
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is bool:
            return ("bool", value)
        if kind is float or kind is complex:  # by their bits: -0.0 is not 0.0
            return (kind.__name__, _bits(value))
        if kind is tuple:
            return ("T", tuple([self.of(v) for v in value]))
        ident = id(value)
        fixed = self.fixed.get(ident)
        if fixed is not None:
            return fixed
        constant = self.constants.get(ident)
        if constant is not None:
            return ("K", constant)
        if kind not in _PLAIN:  # never a module, a class or code: straight to the memo
            if isinstance(value, types.ModuleType):
                return self._module(value)
            if isinstance(value, type):  # with its data where it is the model's own class
                return ("type", value.__module__, value.__qualname__, self._class_data(value))
            if kind is types.CodeType:
                self.keying.names_of(value)  # keeps it alive: its id is its key
                return ("C", ident)
        index = self.memo.get(ident)
        if index is not None:
            return ("@", index)
        index = self.memo[ident] = len(self.memo)
        self.alive.append(value)
        keyer = _KEYERS.get(kind)
        return (index, keyer(self, value) if keyer is not None else self._object(value))

    def _object(self, value: Any) -> Any:
        """An object of a kind without a keyer of its own in `_KEYERS`."""
        kind = type(value)
        if kind in _LOCKS:  # a real lock (at module level, say): whether it is held
            return ("lock", repr(value).split(" at 0x")[0])  # held or not, how often
        if isinstance(value, logging.Logger):  # where it writes is not the model's state
            return ("logger", value.name, value.level, value.disabled, value.propagate)
        if value is sys.stdout or value is sys.stderr or value is sys.stdin:
            return ("stream", value.name if hasattr(value, "name") else id(value))
        if isinstance(value, Footprint):
            return ("footprint",)
        return self._instance(value)

    def _var(self, value: Var) -> Any:
        return ("var", value.key, self.of(value._value))

    def _queue(self, value: Queue) -> Any:
        return ("queue", value.key, tuple([self.of(v) for v in value._items]))

    def _list(self, value: list[Any]) -> Any:
        return ("L", tuple([self.of(v) for v in value]))

    def _dict(self, value: dict[Any, Any]) -> Any:
        return ("D", tuple([(self.of(k), self.of(v)) for k, v in value.items()]))

    def _set(self, value: set[Any] | frozenset[Any]) -> Any:
        return (type(value).__name__, tuple([self.of(v) for v in _canonical(value)]))

    def _deque(self, value: deque[Any]) -> Any:
        return ("Q", value.maxlen, tuple([self.of(v) for v in value]))

    def _wrapped(self, value: Any) -> Any:  # staticmethod, classmethod
        return (type(value).__name__, self.of(value.__func__))

    def _property(self, value: property) -> Any:
        return ("property", self.of(value.fget), self.of(value.fset), self.of(value.fdel))

    def _lru(self, value: Any) -> Any:
        return ("lru", self.of(value.__wrapped__), self._lru_cache(value))

    def _method(self, value: types.MethodType) -> Any:
        return ("m", self.of(value.__self__), self.of(value.__func__))

    def _cell(self, value: types.CellType) -> Any:
        try:
            return ("cell", self.of(value.cell_contents))
        except ValueError:
            return ("cell",)

    def _builtin(self, value: Any) -> Any:  # a builtin function or method wrapper
        owner = value.__self__
        if owner is None or isinstance(owner, types.ModuleType):
            bound = ("mod", getattr(owner, "__name__", value.__module__))
        else:
            bound = self.of(owner)
        return ("b", value.__qualname__, bound)

    def _traceback(self, value: types.TracebackType) -> Any:
        return ("tb", self.of(value.tb_frame.f_code), value.tb_lineno, self.of(value.tb_next))

    def _instance(self, value: Any) -> Any:
        kind = type(value)
        state = getattr(value, "__dict__", None)
        if type(state) is not dict:  # a proxy's (types.GenericAlias): its origin's class
            state = None
        slots, base, own = _layout(kind)  # type: ignore[arg-type]  # classes are hashable
        parts: list[Any] = []
        if base is BaseException:
            parts.append(("exception", self._exception(value)))
        elif base in _CONTAINERS:
            parts.append(("items", self.of(_CONTAINERS[base](value))))
        elif base is not object or (state is None and not slots and kind is not object):
            # what it pickles to, and its __dict__ and slots too: a class's own
            # __reduce__ may leave attributes out (an Enum member pickles as its value)
            parts.append(("reduced", self._reduced(value)))
        if state is not None:
            of = self.of
            parts.extend(
                [(name, of(item)) for name, item in state.items() if name not in _ATTR_SKIP]
            )
        for name in slots:
            item = getattr(value, name, _UNSET)
            parts.append((name, _UNSET_KEY if item is _UNSET else self.of(item)))
        data = self._class_data(kind) if own else ()
        return ("O", kind.__module__, kind.__qualname__, tuple(parts), data)

    def _exception(self, error: BaseException) -> Any:
        """What an exception holds besides its `__dict__`: its args, its chain and
        traceback, and the fields its C classes keep (`OSError.errno`, ...)."""
        fields = tuple(
            (name, self.of(getattr(error, name, _UNSET_KEY)))
            for name in _c_fields(type(error))  # type: ignore[arg-type]  # classes hash
        )
        return (
            self.of(error.args),
            self.of(error.__cause__),
            self.of(error.__context__),
            error.__suppress_context__,
            self.of(error.__traceback__),
            fields,
        )

    def _lru_cache(self, wrapper: Any) -> Any:
        """What a `functools.lru_cache` holds: its counts (`cache_info()` shows them)
        and its entries, read through the garbage collector's view of the C wrapper
        (its type, then for a bounded cache each entry's key, result and type in LRU
        order, then the dict of entries)."""
        info = wrapper.cache_info()
        refs = gc.get_referents(wrapper)
        first = next((i for i, ref in enumerate(refs) if type(ref) is dict), -1)
        if info.maxsize is None and first >= 0 and len(refs[first]) == info.currsize:
            return tuple(info), self.of(refs[first])
        if first == 1 + 3 * info.currsize:  # each entry: key, result, its C type
            entries = refs[1:first]
            pairs = zip(entries[0::3], entries[1::3], strict=True)
            return tuple(info), tuple((self.of(key), self.of(result)) for key, result in pairs)
        raise Unkeyable("a functools.lru_cache is laid out in a way rasmodel does not know")

    def _module(self, module: types.ModuleType) -> Any:
        """A module by name; one of the model's own (not the standard library, an
        installed package or rasmodel) with its data too: a helper module's dict
        that its functions change is state no process holds."""
        made = sys.modules.get(module.__name__) is not module  # a namespace made at run time
        if not made and not _own_module(module.__name__):
            return ("mod", module.__name__)
        index = self.memo.get(id(module))
        if index is not None:
            return ("@", index)
        self.memo[id(module)] = len(self.memo)
        return ("mod", module.__name__, self._data(vars(module)))

    def _class_data(self, kind: type) -> Any:
        """The data attributes of `kind` and its bases defined in the model's own
        modules: class-level state (a C `static`) that methods change."""
        parts = []
        for klass in kind.__mro__:
            if _own_module(klass.__module__) and klass.__flags__ & _HEAPTYPE:
                index = self.memo.get(id(klass))
                if index is not None:
                    parts.append(("@", index))
                    continue
                self.memo[id(klass)] = len(self.memo)
                parts.append((klass.__qualname__, self._data(klass.__dict__)))
        return tuple(parts)

    def _data(self, namespace: Any) -> Any:
        """The items of a module's or class's namespace, by value: its data, and its
        functions, classes and modules too (a method's globals, a function's
        attributes, a closure's cells, a class's attributes, a submodule's data are
        state its code may change); not the Model and its properties."""
        return tuple(
            (name, self.of(value))
            for name, value in list(namespace.items())
            if not (_dunder(name) or name in _BOOKKEEPING or _ours(value))
        )

    def _reduced(self, value: Any) -> Any:
        """An object of a C type (an iterator, a deque iterator): what it pickles to."""
        try:
            reduced = value.__reduce_ex__(4)
        except Exception as error:
            raise Unkeyable(f"a {type(value).__name__} cannot be keyed ({error})") from None
        if isinstance(reduced, str):
            return ("global", reduced)
        return self.of(tuple(reduced))

    def _function(self, fn: types.FunctionType) -> Any:
        code = fn.__code__
        return (
            "fn",
            self.of(code),
            self.of(fn.__defaults__),
            self.of(fn.__kwdefaults__),
            self.of(fn.__closure__),
            self._globals(code, fn.__globals__),
            self.of(fn.__dict__) if fn.__dict__ else (),
        )

    def _generator(self, gen: types.GeneratorType) -> Any:
        code = gen.gi_code
        frame = gen.gi_frame
        if frame is None:
            return ("gen", self.of(code), "done")
        names = sorted(frame.f_locals.items(), key=_first)  # materialised first; by name
        slots = _frame(gen, code)
        return (
            "gen",
            self.of(code),
            frame.f_lasti,
            tuple((name, self.of(item)) for name, item in names),
            tuple(self.of(item) for item in slots),
            self._globals(code, frame.f_globals),
        )

    def _globals(self, code: types.CodeType, namespace: dict[str, Any]) -> Any:
        """The module globals `code` names, by value (a function there by its code
        and what it names in turn), and the model's own modules it imports where it
        runs (`import helper` in a function body binds no global)."""
        found = []
        for name in self.keying.names_of(code):
            if name in namespace:
                value = namespace[name]
                if not isinstance(value, types.ModuleType) or _own_module(value.__name__):
                    found.append((name, self.of(value)))
            elif name in sys.modules and _own_module(name):
                found.append((name, self.of(sys.modules[name])))
        return tuple(found)


_UNSET = object()
_UNSET_KEY = ("unset",)
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class created at run time ...
_IMMUTABLE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: ... unless C code made it (3.10+)
# A subclass of a container by what the container holds, read with the container's
# own methods (a subclass's __iter__ may show something else).
_CONTAINERS: dict[type, Callable[[Any], Any]] = {
    list: lambda items: list.__getitem__(items, slice(None)),
    tuple: lambda items: tuple.__getitem__(items, slice(None)),
    dict: lambda d: list(dict.items(d)),
    set: lambda items: _canonical(set.copy(items)),
    frozenset: lambda items: _canonical(frozenset.copy(items)),
    deque: lambda items: (deque.maxlen.__get__(items), list(deque.__iter__(items))),
}
_LRU_WRAPPER = type(functools.lru_cache(None)(len))
_LOCKS = frozenset({type(threading.Lock()), type(threading.RLock())})
# Fields an exception's C classes keep; the chain and args are keyed on their own.
_EXCEPTION_SKIP = frozenset(
    {"__dict__", "__weakref__", "args", "__traceback__", "__cause__", "__context__"}
    | {"__suppress_context__"}
)
_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
_C_METHODS = (  # not builtin functions: a Python class may hold one (Enum does)
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    types.GetSetDescriptorType,
)
_LIBRARIES = ("stdlib", "platstdlib", "purelib", "platlib")
_INSTALLED = tuple(  # where Python's own modules and installed packages live
    {
        os.path.join(os.path.realpath(path), "")
        for path in (
            *(sysconfig.get_paths()[name] for name in _LIBRARIES),
            *getattr(site, "getsitepackages", list)(),
            site.getusersitepackages(),
        )
    }
)


# The keyer of each kind of object with one (exact types: a subclass is an instance).
_KEYERS: dict[type, Callable[[_Walk, Any], Any]] = {
    Var: _Walk._var,
    Queue: _Walk._queue,
    list: _Walk._list,
    dict: _Walk._dict,
    set: _Walk._set,
    frozenset: _Walk._set,
    deque: _Walk._deque,
    staticmethod: _Walk._wrapped,
    classmethod: _Walk._wrapped,
    property: _Walk._property,
    _LRU_WRAPPER: _Walk._lru,
    types.GeneratorType: _Walk._generator,
    types.FunctionType: _Walk._function,
    types.MethodType: _Walk._method,
    types.CellType: _Walk._cell,
    types.BuiltinFunctionType: _Walk._builtin,
    types.MethodWrapperType: _Walk._builtin,
    types.TracebackType: _Walk._traceback,
}
_PLAIN = frozenset(_KEYERS)  # kinds that are never a module, a class or code


@functools.cache
def _own_module(name: str) -> bool:
    """A module of the model's (next to the model file), not of Python, an installed
    package or rasmodel."""
    if (
        name.partition(".")[0] in ("rasmodel", "simpy", "builtins")
        or name in sys.builtin_module_names
    ):
        return False
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    # a namespace package (a directory without __init__.py) has no file, only a path
    paths = [file] if file is not None else list(getattr(module, "__path__", None) or ())
    return bool(paths) and all(
        isinstance(path, str) and not os.path.realpath(path).startswith(_INSTALLED)
        for path in paths
    )


def _canonical(items: set[Any] | frozenset[Any]) -> list[Any]:
    """A set's items in an order that does not depend on its history or on the hash
    seed, where they are scalars (strings hash differently in every process); else
    in iteration order (a key that misses, never one that matches wrongly)."""
    if all(type(item) in _SCALARS for item in items):
        return sorted(items, key=lambda item: (type(item).__name__, item))
    return list(items)


def _ours(value: Any) -> bool:
    """The Model or one of its properties: configuration, not state (a kernel
    library object the model made is state, and is keyed)."""
    return type(value).__module__ in _CONFIGURATION


_CONFIGURATION = frozenset({"rasmodel.model", "rasmodel.properties"})
# Python's own caches in a class: which classes an `isinstance` found a subclass of
_BOOKKEEPING = frozenset({"_abc_impl"})


def _dunder(name: str) -> bool:
    """Python's own names (`__name__`, `__builtins__`, `__dict__`): not the model's
    data; a private `__count` of a module is."""
    return name.startswith("__") and name.endswith("__")


def _first(item: tuple[str, Any]) -> str:
    return item[0]


def _bits(value: float | complex) -> bytes:
    """A float or complex number by its bits (-0.0 and 0.0 compare equal)."""
    if isinstance(value, complex):
        return struct.pack("<dd", value.real, value.imag)
    return struct.pack("<d", value)


@functools.cache
def _in_python(klass: type) -> bool:
    """Defined by a class statement: its instances keep their state in `__dict__` and
    slots. A class of C code (even one created at run time, as `_random.Random`) has
    C methods, slot wrappers or fields of its own in its dict."""
    flags = klass.__flags__
    if not flags & _HEAPTYPE or flags & _IMMUTABLE:
        return False
    for name, value in vars(klass).items():
        if isinstance(value, _C_METHODS) and name not in ("__dict__", "__weakref__"):
            return False
    return True


@functools.cache
def _builtin_base(kind: type) -> type:
    """The first class in `kind`'s MRO that is not defined in Python (`object` for a
    plain class): its instances hold state there that `__dict__` does not show."""
    for klass in kind.__mro__:
        if not _in_python(klass):
            if issubclass(klass, BaseException):
                return BaseException
            return klass
    return object


@functools.cache
def _layout(kind: type) -> tuple[tuple[str, ...], type, bool]:
    """What keying an instance of `kind` needs to know of its class: its slots, its
    first class not defined in Python, and whether a class of the model's own is in
    its MRO (whose data is then keyed too)."""
    own = any(_own_module(k.__module__) and k.__flags__ & _HEAPTYPE for k in kind.__mro__)
    return _slots(kind), _builtin_base(kind), own


@functools.cache
def _slots(kind: type) -> tuple[str, ...]:
    """The slots of `kind`'s Python classes, as stored (a private `__x` as `_C__x`;
    `__slots__` may be one string)."""
    names: list[str] = []
    for klass in kind.__mro__:
        if _in_python(klass):
            for name, value in vars(klass).items():
                if type(value) is types.MemberDescriptorType:
                    names.append(name)
    return tuple(names)


@functools.cache
def _c_fields(kind: type) -> tuple[str, ...]:
    """The fields the C classes of an exception type keep (`errno`, `filename`,
    `value`, `code`, ...)."""
    names: list[str] = []
    for klass in kind.__mro__:
        if not _in_python(klass):
            for name, value in vars(klass).items():
                if isinstance(value, _DESCRIPTORS) and name not in _EXCEPTION_SKIP:
                    names.append(name)
    return tuple(names)


def _bound_to(value: Any, env: Any) -> bool:
    """A method SimPy bound to the env at its creation (`env.timeout`, ...)."""
    return isinstance(value, types.MethodType) and value.__self__ is env


def _frame(gen: types.GeneratorType, code: types.CodeType) -> list[Any]:
    """What the generator's frame holds: its local slots and value stack, as the
    garbage collector sees them (CPython 3.11+: the generator's code, name and
    qualname, then the frame's object and locals dict, function and code, then
    every slot in order)."""
    refs = gc.get_referents(gen)
    # The frame's code is the second reference to it (the first is the generator's
    # own); the slots may hold it too (a local bound to it), so not the last one.
    found = [index for index, ref in enumerate(refs) if ref is code]
    if len(found) < 2 or found[0] != 0:
        raise Unkeyable("the generator's frame is laid out in a way rasmodel does not know")
    return refs[found[1] + 1 :]


def _frame_layout_ok() -> bool:
    """Whether `_frame` finds the value stack on this Python: a `for` loop's iterator
    must be among what it returns."""
    if sys.implementation.name != "cpython" or sys.version_info < (3, 11):
        return False
    items = [10, 20]

    def probe() -> Any:
        for item in items:  # noqa: UP028 - the loop's iterator is what is probed
            yield item

    gen = probe()
    next(gen)
    try:
        slots = _frame(gen, gen.gi_code)
    except Unkeyable:
        return False
    return any(type(s).__name__ == "list_iterator" for s in slots) and 10 in slots
