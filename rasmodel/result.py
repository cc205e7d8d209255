"""Records of a check: per-property verdicts, counterexamples and search statistics."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rasmodel import __version__
from rasmodel.choices import Choice, to_json
from rasmodel.execution import Execution


class Verdict(enum.Enum):
    """A property's verdict; `no-violation-found` when a bound cut the search short."""

    HOLDS = "holds"
    VIOLATED = "violated"
    NO_VIOLATION_FOUND = "no-violation-found"


@dataclass(frozen=True)
class Counterexample:
    """A minimal, replay-verified execution violating one property."""

    model_path: str
    model_name: str
    params: Mapping[str, Any]
    property_name: str
    message: str
    choices: tuple[Choice, ...]
    execution: Execution
    path: str | None = None
    # "minimal", or why it may not be: "not minimised (--no-minimize)", "minimisation
    # cut short by its budget", "not minimised (interrupted)"
    minimization: str = "minimal"
    step: int = -1  # the step that violated it (-1: the end state as a whole)
    observes: frozenset[str] | None = frozenset()  # emitted kinds the property reads
    reads: frozenset[str] = frozenset()  # tracked keys it read when it failed (invariants)

    @property
    def minimal(self) -> bool:
        return self.minimization == "minimal"

    @property
    def preemptions(self) -> int:
        return self.execution.preemptions

    @property
    def length(self) -> int:
        return len(self.execution.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "rasmodel": __version__,
            "model": self.model_path,
            "params": dict(self.params),
            "property": self.property_name,
            "message": self.message,
            "preemptions": self.preemptions,
            "steps": self.length,
            "minimization": self.minimization,
            "choices": to_json(self.choices),
            "trace": trace_rows(self.execution),
            "notes": list(self.execution.notes),
            "blocked": [str(b) for b in self.execution.blocked],
        }

    def with_path(self, path: str) -> Counterexample:
        return dataclasses.replace(self, path=path)


def trace_rows(execution: Execution) -> list[dict[str, Any]]:
    """The trace of section 5: the emitted events, plus one row per step that emitted none.

    Every step appears, so a reader sees the whole interleaving; rows for steps carry
    `kind: "step"` and the step's label in `data`. The first row of a step that wrote
    tracked vars or queues carries them as `state` (key -> value after the step).
    """
    rows: list[dict[str, Any]] = []
    emits: dict[int, list[Any]] = {}
    for event in execution.trace:
        emits.setdefault(event.step, []).append(event)
    for event in emits.pop(-1, []):
        rows.append(_row(event.as_dict()))
    for position, step in enumerate(execution.steps):
        where = execution.where[step.index] if step.index < len(execution.where) else None
        events = emits.get(step.index)
        first = len(rows)
        if events:
            rows.extend(_row(e.as_dict(), where) for e in events)
        else:
            rows.append(
                _row(
                    {
                        "step": step.index,
                        "time": step.time,
                        "actor": step.actor,
                        "context": step.context,
                        "kind": "step",
                        "data": {"label": step.label},
                    },
                    where,
                )
            )
        if position < len(execution.changed) and execution.changed[position]:
            rows[first]["state"] = dict(execution.changed[position])
    return rows


def _row(row: dict[str, Any], where: Any = None) -> dict[str, Any]:
    row["data"] = {k: _jsonable(v) for k, v in row["data"].items()}
    if where is not None:
        row["at"] = str(where)
    return row


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


@dataclass(frozen=True)
class PropertyResult:
    """One property's verdict, with the search effort spent when it was reached."""

    name: str
    kind: str
    description: str
    verdict: Verdict
    executions: int
    seconds: float
    message: str = ""
    counterexample: Counterexample | None = None


@dataclass(frozen=True)
class Stats:
    """Search statistics (`executions`: runs that reached their end)."""

    executions: int = 0
    steps: int = 0
    seconds: float = 0.0
    pruned: int = 0
    max_depth_seen: int = 0
    depth_bound_hit: int = 0
    cached: int = 0  # runs cut at a state explored before (`--cache on`)
    keyed: int = 0  # scheduling points the state cache could key
    unkeyed: int = 0  # and those it could not (explored without it)


@dataclass(frozen=True)
class Result:
    """What `rm.check()` returns."""

    model_name: str
    model_path: str
    params: Mapping[str, Any]
    strategy: str
    reduction: str
    bounds: Mapping[str, Any]
    exhaustive: bool
    stats: Stats
    properties: tuple[PropertyResult, ...]
    stopped_by: str | None = None
    hints: tuple[str, ...] = field(default=())
    final_states: frozenset[Any] | None = None  # with collect_states=True
    cache: str = "off"  # "on", or why the state cache was off

    @property
    def ok(self) -> bool:
        """No property is violated."""
        return all(p.verdict is not Verdict.VIOLATED for p in self.properties)

    @property
    def verdicts(self) -> dict[str, str]:
        """Property name -> "holds", "violated" or "no-violation-found" (bounded)."""
        return {p.name: p.verdict.value for p in self.properties}

    @property
    def counterexamples(self) -> dict[str, Counterexample]:
        """Property name -> its counterexample, for the violated ones."""
        return {p.name: p.counterexample for p in self.properties if p.counterexample}

    def __getitem__(self, name: str) -> PropertyResult:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(name)
