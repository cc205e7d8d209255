"""Replaying a recorded choice sequence, strictly or leniently.

Strict replay re-checks a counterexample (a mismatch means the sequence no longer fits
the model). Lenient replay is the minimiser's: a recorded choice that no longer fits
is dropped and the default choice is taken instead, as Hypothesis does when a
shrunk choice sequence leads somewhere new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasmodel.choices import CHOOSE, RUN, Choice
from rasmodel.errors import ReplayMismatch
from rasmodel.execution import Execution
from rasmodel.explore.base import DefaultScheduler, diverged
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step


class StrictReplay(DefaultScheduler):
    """Follows `choices` exactly; past their end it runs the default schedule, unless
    the recorded execution took `steps` steps and fewer have run (cut-short choices)."""

    def __init__(self, choices: Sequence[Choice], *, steps: int | None = None) -> None:
        self.choices = list(choices)
        self.cursor = 0
        self.steps = 0
        self.recorded_steps = steps

    @property
    def exhausted(self) -> bool:
        return self.cursor >= len(self.choices)

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        self.steps += 1
        if self.exhausted:
            if self.recorded_steps is not None and self.steps <= self.recorded_steps:
                raise ReplayMismatch(
                    f"its {len(self.choices)} choices end after {self.steps - 1} steps, but "
                    f"the recorded execution took {self.recorded_steps} (the choices are "
                    "cut short)."
                )
            return super().pick_actor(enabled, last)
        choice = self._next(RUN, f"a scheduling point offering {list(enabled)}")
        if choice.value not in enabled:
            raise ReplayMismatch(
                f"choice {self.cursor} runs {choice.value!r}, but at step {self.steps - 1} "
                f"the model can run only {list(enabled)}."
            )
        return str(choice.value)

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        if self.exhausted:
            return 0
        choice = self._next(CHOOSE, f"choose {label!r}")
        index = int(choice.value)
        if choice.label != label or not 0 <= index < len(options):
            raise ReplayMismatch(
                f"choice {self.cursor} takes option {index} of choose {choice.label!r}, but "
                f"the model now asks choose {label!r} with {len(options)} options."
            )
        return index

    def _next(self, kind: str, where: str) -> Choice:
        choice = self.choices[self.cursor]
        self.cursor += 1
        if choice.kind != kind:
            raise ReplayMismatch(
                f"choice {self.cursor - 1} is {choice}, but the model reached {where}."
            )
        return choice


class DeterminismProbe(StrictReplay):
    """Re-runs a recorded execution and checks it makes the very same steps.

    Run once on the first execution of every search, so a nondeterministic model is
    caught even when the reduction never replays the steps that differ.
    """

    def __init__(self, execution: Execution) -> None:
        super().__init__(execution.choices)
        self.first = execution

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        index = self.steps
        if index < len(self.first.enabled) and set(self.first.enabled[index]) != set(enabled):
            raise diverged(
                index,
                f"the first execution could run {list(self.first.enabled[index])}, "
                f"the same choices now offer {list(enabled)}",
            )
        try:
            return super().pick_actor(enabled, last)
        except ReplayMismatch as error:
            raise diverged(index, str(error)) from None

    def after_step(self, step: Step, env: Env) -> None:
        recorded = self.first.fingerprints
        if step.index < len(recorded) and recorded[step.index] != env.writes_fingerprint(
            step.writes
        ):
            first = self.first.steps[step.index]
            what = (
                f"it first wrote {sorted(first.writes)}, now {sorted(step.writes)}"
                if first.writes != step.writes
                else f"it wrote {sorted(step.writes)} with other values than the first time"
            )
            raise diverged(
                step.index,
                f"the step of {step.actor} ({step.label}) changed: {what}",
                env.processes[step.actor].suspended_at(),
            )


class LenientReplay(DefaultScheduler):
    """Follows `choices` where they fit and takes the default choice where not."""

    def __init__(self, choices: Sequence[Choice]) -> None:
        self.choices = list(choices)
        self.cursor = 0

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        choice = self._take(RUN)
        if choice is not None and choice.value in enabled:
            return str(choice.value)
        return super().pick_actor(enabled, last)

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        choice = self._take(CHOOSE)
        if choice is not None and choice.label == label and int(choice.value) < len(options):
            return int(choice.value)
        return 0

    def _take(self, kind: str) -> Choice | None:
        while self.cursor < len(self.choices):
            choice = self.choices[self.cursor]
            self.cursor += 1
            if choice.kind == kind:
                return choice
        return None

    def after_step(self, step: Step, env: Env) -> None:
        return None
