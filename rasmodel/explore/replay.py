"""Replaying a recorded choice sequence, strictly or leniently.

A replay is one more run (as in shuttle's `replay.rs`). Strict replay re-checks a
counterexample: a choice that does not fit the model, or choices that run out
before the recorded execution's steps did, is a sequence that no longer fits
(ReplayMismatch). Lenient replay is the minimiser's: a recorded choice that no
longer fits is dropped and the default choice taken instead, as Hypothesis does
when a shrunk choice sequence leads somewhere new.
"""

from __future__ import annotations

from collections.abc import Sequence

from rasmodel.choices import RUN, Choice, Point, Wanted
from rasmodel.errors import ReplayMismatch
from rasmodel.explore.strategy import DefaultRun


def wanted(choices: Sequence[Choice | Wanted]) -> list[Wanted]:
    return [c if isinstance(c, Wanted) else Wanted.of(c) for c in choices]


class Replay(DefaultRun):
    """Follows `choices` exactly; past their end it runs the default schedule, unless
    the recorded execution took `steps` steps and fewer have run (cut-short choices)."""

    def __init__(self, choices: Sequence[Choice | Wanted], *, steps: int | None = None) -> None:
        self.choices = wanted(choices)
        self.cursor = 0
        self.steps = 0
        self.recorded_steps = steps

    def choose(self, point: Point) -> int:
        if point.kind == RUN:
            self.steps += 1
        if self.cursor >= len(self.choices):
            recorded = self.recorded_steps
            if point.kind == RUN and recorded is not None and self.steps <= recorded:
                raise ReplayMismatch(
                    f"its {len(self.choices)} choices end after {self.steps - 1} steps, but "
                    f"the recorded execution took {recorded} (the choices are cut short)."
                )
            return super().choose(point)
        choice = self.choices[self.cursor]
        self.cursor += 1
        try:
            return choice.index_in(point)
        except ReplayMismatch as error:
            raise ReplayMismatch(f"choice {self.cursor - 1}: {error}") from None


class LenientReplay(DefaultRun):
    """Follows `choices` where they fit and takes the default choice where not."""

    def __init__(self, choices: Sequence[Choice | Wanted]) -> None:
        self.choices = wanted(choices)
        self.cursor = 0

    def choose(self, point: Point) -> int:
        while self.cursor < len(self.choices):
            choice = self.choices[self.cursor]
            self.cursor += 1
            if choice.kind == point.kind:
                try:
                    return choice.index_in(point)
                except ReplayMismatch:
                    break
        return super().choose(point)
