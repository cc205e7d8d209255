"""Choice sequences: the one description of an execution.

An execution is fully determined by the actor picked at each scheduling point and the
option taken at each `env.choose`. Replay, minimisation and counterexample files all
use this record (as in Hypothesis, where a test case *is* its choice sequence).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasmodel.errors import ReplayMismatch

RUN = "run"
CHOOSE = "choose"


@dataclass(frozen=True, slots=True)
class Choice:
    """One decision: run actor `value`, or take option number `value` of `label`."""

    kind: str
    value: str | int
    label: str = ""
    shown: Any = None

    @staticmethod
    def run(actor: str) -> Choice:
        choice = _RUNS.get(actor)
        if choice is None:
            choice = _RUNS[actor] = Choice(RUN, actor)
        return choice

    @staticmethod
    def choose(label: str, index: int, option: Any) -> Choice:
        return Choice(CHOOSE, index, label, json_image(option))

    def to_json(self) -> dict[str, Any]:
        if self.kind == RUN:
            return {"run": self.value}
        return {"choose": self.label, "value": self.shown, "index": self.value}

    @staticmethod
    def from_json(item: Mapping[str, Any]) -> Choice:
        if not isinstance(item, Mapping):
            raise ReplayMismatch(f"a choice must be an object, got {item!r}.")
        if isinstance(item.get("run"), str):
            return Choice.run(item["run"])
        if "choose" in item and isinstance(item.get("index"), int):
            return Choice(CHOOSE, item["index"], str(item["choose"]), item.get("value"))
        raise ReplayMismatch(
            f'choice {dict(item)!r} is neither {{"run": ACTOR}} nor '
            '{"choose": LABEL, "value": V, "index": I}.'
        )

    def __str__(self) -> str:
        if self.kind == RUN:
            return f"run {self.value}"
        return f"choose {self.label}={self.shown!r}"


_RUNS: dict[str, Choice] = {}  # run choices are immutable: share one per actor


def json_image(value: Any) -> Any:
    """A JSON-friendly image of an option, for counterexample files."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [json_image(v) for v in value]
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else repr(value)


def to_json(choices: Iterable[Choice]) -> list[dict[str, Any]]:
    return [c.to_json() for c in choices]


def from_json(items: Sequence[Mapping[str, Any]]) -> tuple[Choice, ...]:
    if not isinstance(items, Sequence):
        raise ReplayMismatch("'choices' must be a list.")
    return tuple(Choice.from_json(item) for item in items)


def count_preemptions(choices: Sequence[Choice], enabled: Sequence[Sequence[str]]) -> int:
    """Context switches away from an actor that could have gone on running."""
    count = 0
    last: str | None = None
    runs = (c for c in choices if c.kind == RUN)
    for choice, offered in zip(runs, enabled, strict=False):
        if last is not None and choice.value != last and last in offered:
            count += 1
        last = str(choice.value)
    return count
