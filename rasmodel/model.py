"""Model: a build function, typed parameters with defaults, and named properties."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, overload

from rasmodel.errors import Location, ModelError, UsageError, caller_location
from rasmodel.properties import BUILTIN_PROPERTIES, Kind, Property, TraceSpec

F = TypeVar("F", bound=Callable[..., Any])

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Model:
    """A design to check: `rm.Model("lost-update", params={"workers": 2})`."""

    def __init__(self, name: str, params: Mapping[str, Any] | None = None, doc: str = "") -> None:
        self.name = name
        self.params: dict[str, Any] = dict(params or {})
        self.doc = doc
        self.build_fn: Callable[..., Any] | None = None
        self.properties: dict[str, Property] = {}
        self.defined_at: Location | None = caller_location()
        self.path: str | None = self.defined_at.file if self.defined_at else None

    # ------------------------------------------------------------ decorators
    def build(self, fn: F) -> F:
        """Register the build function, called with a fresh Env and the parameters."""
        self.build_fn = fn
        return fn

    @overload
    def invariant(self, fn: F) -> F: ...
    @overload
    def invariant(self, *, name: str) -> Callable[[F], F]: ...
    def invariant(self, fn: Any = None, *, name: str | None = None) -> Any:
        """Checked after the build and after every step."""
        return self._register(Kind.INVARIANT, fn, name)

    @overload
    def final(self, fn: F) -> F: ...
    @overload
    def final(self, *, name: str) -> Callable[[F], F]: ...
    def final(self, fn: Any = None, *, name: str | None = None) -> Any:
        """Checked at the end of every complete, deadlock-free execution."""
        return self._register(Kind.FINAL, fn, name)

    @overload
    def trace(self, fn: F) -> F: ...
    @overload
    def trace(
        self, *, name: str | None = None, reads: Iterable[str] | None = None
    ) -> Callable[[F], F]: ...
    def trace(
        self, fn: Any = None, *, name: str | None = None, reads: Iterable[str] | None = None
    ) -> Any:
        """`fn(system, params, trace)`, checked at the end of every complete execution.

        `trace` is the list of emitted events (dicts: `step`, `time`, `actor`,
        `context`, `kind`, `data`), in order. `reads` names the emitted kinds the
        function looks at; the reduction then orders only those emits (by default
        every emit is assumed to matter). A `step` number says where an event was
        emitted in this execution, for messages: the reduction may run independent
        steps in another order, which renumbers them, so a verdict must not depend
        on it (the order of the list is what the reduction keeps)."""
        kinds = frozenset(reads) if reads is not None else None
        return self._register(Kind.TRACE, fn, name, kinds)

    def check(self, spec: TraceSpec, *, name: str) -> None:
        """Register a trace combinator (`rm.never(...)`, `rm.before(...)`, ...)."""
        if not isinstance(spec, TraceSpec):
            raise ModelError(
                f"model.check() expects a trace combinator such as rm.never(...), got {spec!r}.",
                where=caller_location(),
            )
        self._add(Property(name, Kind.TRACE, spec.describe, spec=spec))

    def _register(
        self, kind: Kind, fn: Any, name: str | None, kinds: frozenset[str] | None = None
    ) -> Any:
        def decorate(f: F) -> F:
            doc = (f.__doc__ or "").strip().splitlines()
            summary = doc[0] if doc else kind.value
            self._add(Property(name or f.__name__, kind, summary, fn=f, kinds=kinds))
            return f

        return decorate(fn) if fn is not None else decorate

    def _add(self, prop: Property) -> None:
        if prop.name in self.properties or prop.name in BUILTIN_PROPERTIES:
            raise ModelError(
                f"model {self.name!r} already has a property named {prop.name!r}.",
                where=caller_location(4),
                hint="Property names must be unique; "
                f"{', '.join(BUILTIN_PROPERTIES)} are built in.",
            )
        self.properties[prop.name] = prop

    # ------------------------------------------------------------ parameters
    def resolve_params(self, overrides: Mapping[str, Any] | Iterable[str] = ()) -> dict[str, Any]:
        """Defaults updated with overrides, given as a mapping or as `NAME=VALUE` strings."""
        values = dict(self.params)
        items = overrides.items() if isinstance(overrides, Mapping) else map(_split, overrides)
        for key, raw in items:
            if key not in self.params:
                known = ", ".join(f"{k}={v!r}" for k, v in self.params.items()) or "none"
                raise UsageError(
                    f"model {self.name!r} has no parameter {key!r} (its parameters: {known})."
                )
            values[key] = parse_param(key, raw, self.params[key])
        return values

    def all_property_names(self) -> list[str]:
        return list(self.properties) + list(BUILTIN_PROPERTIES)

    def select(self, names: Iterable[str] | None) -> list[str]:
        """The selected property names, in model order; all when `names` is empty."""
        chosen = list(names or [])
        if not chosen:
            return self.all_property_names()
        known = self.all_property_names()
        for name in chosen:
            if name not in known:
                raise UsageError(
                    f"model {self.name!r} has no property {name!r}; "
                    f"its properties are: {', '.join(known)}."
                )
        return [n for n in known if n in chosen]


def _split(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise UsageError(f"parameter {text!r} is not NAME=VALUE (e.g. -D workers=3).")
    key, value = text.split("=", 1)
    return key.strip(), value.strip()


def parse_param(name: str, raw: Any, default: Any) -> Any:
    """Parse `raw` as the type of `default` (from the CLI it is a string)."""
    if not isinstance(raw, str):
        widening = isinstance(default, float) and isinstance(raw, int)
        if default is not None and not isinstance(raw, type(default)) and not widening:
            raise UsageError(
                f"parameter {name}={raw!r} should be a {type(default).__name__} "
                f"like its default {default!r}."
            )
        return raw
    try:
        if isinstance(default, bool):
            low = raw.lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw, 0)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, str) or default is None:
            return raw
        value = json.loads(raw)
        if isinstance(default, tuple):
            value = tuple(value)
        if not isinstance(value, type(default)):
            raise ValueError(raw)
        return value
    except ValueError:
        raise UsageError(
            f"parameter {name}={raw!r} is not a valid {type(default).__name__} "
            f"(the default is {default!r})."
        ) from None
