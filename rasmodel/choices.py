"""Choice points and choices: the one description of an execution.

An execution is fully determined by the option taken at each choice point: which
actor runs next at a scheduling point, which option an `env.choose` takes. Replay,
minimisation, the search trees and counterexample files all use this record (as in
Hypothesis, where a test case *is* its choice sequence), and `Choice.preempts` is
the one definition of a preemption.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from rasmodel.errors import ReplayMismatch
from rasmodel.sim.process import CHOOSE, RUN, Point

__all__ = ["CHOOSE", "RUN", "Choice", "Point", "Wanted", "count_preemptions", "json_image"]


class Choice(NamedTuple):
    """One decision: option number `taken` of a point. For RUN, `options` are the
    actors that could run and `current` the one that ran last; for CHOOSE, JSON images
    of the options (what counterexample files show)."""

    kind: str
    taken: int
    options: tuple[Any, ...]
    label: str = ""
    current: str | None = None

    @staticmethod
    def made(point: Point, taken: int) -> Choice:
        options = point.options if point.kind == RUN else tuple(map(json_image, point.options))
        return Choice(point.kind, taken, options, point.label, point.current)

    @property
    def value(self) -> Any:
        """The actor run, or the image of the option taken."""
        return self.options[self.taken]

    @property
    def preempts(self) -> bool:
        """A switch away from an actor that could have gone on running (there is no
        such actor at the first scheduling point after simulated time moved on)."""
        current = self.current
        return (
            self.kind == RUN
            and current is not None
            and self.options[self.taken] != current
            and current in self.options
        )

    def to_json(self) -> dict[str, Any]:
        if self.kind == RUN:
            return {"run": self.value}
        return {"choose": self.label, "value": self.value, "index": self.taken}

    def __str__(self) -> str:
        if self.kind == RUN:
            return f"run {self.value}"
        return f"choose {self.label}={self.value!r}"


class Wanted(NamedTuple):
    """A choice read back from a counterexample file, to be matched against the point
    the model offers: an actor by name, or an option by index."""

    kind: str
    value: Any
    label: str = ""

    def index_in(self, point: Point) -> int:
        """The option of `point` this asks for; ReplayMismatch when it does not fit."""
        if point.kind != self.kind:
            raise ReplayMismatch(f"it asks to {self}, but the model reached {point.describe()}.")
        if self.kind == RUN:
            if self.value not in point.options:
                raise ReplayMismatch(
                    f"it asks to {self}, but the model can run only {list(point.options)}."
                )
            return point.options.index(self.value)
        if self.label != point.label or not 0 <= self.value < len(point.options):
            raise ReplayMismatch(
                f"it asks for option {self.value} of choose {self.label!r}, but the model "
                f"now asks {point.describe()}."
            )
        return int(self.value)

    @staticmethod
    def of(choice: Choice) -> Wanted:
        if choice.kind == RUN:
            return Wanted(RUN, choice.value)
        return Wanted(CHOOSE, choice.taken, choice.label)

    @staticmethod
    def from_json(item: Mapping[str, Any]) -> Wanted:
        if not isinstance(item, Mapping):
            raise ReplayMismatch(f"a choice must be an object, got {item!r}.")
        if isinstance(item.get("run"), str):
            return Wanted(RUN, item["run"])
        if "choose" in item and isinstance(item.get("index"), int):
            return Wanted(CHOOSE, item["index"], str(item["choose"]))
        raise ReplayMismatch(
            f'choice {dict(item)!r} is neither {{"run": ACTOR}} nor '
            '{"choose": LABEL, "value": V, "index": I}.'
        )

    def __str__(self) -> str:
        if self.kind == RUN:
            return f"run {self.value}"
        return f"choose option {self.value} of {self.label!r}"


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


def from_json(items: Sequence[Mapping[str, Any]]) -> tuple[Wanted, ...]:
    if not isinstance(items, Sequence):
        raise ReplayMismatch("'choices' must be a list.")
    return tuple(Wanted.from_json(item) for item in items)


def count_preemptions(choices: Iterable[Choice]) -> int:
    return sum(1 for choice in choices if choice.preempts)
