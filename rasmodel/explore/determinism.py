"""Determinism checking as one wrapper around any strategy (shuttle's
`uncontrolled_nondeterminism.rs`).

The first execution of a search is run once more along the same choices; the
model must offer the same choice points and every step must write the same
values. A nondeterministic model shows up here even when the strategy never
replays the steps that differ (a reduction that skips them, a random walk). Paths
also check every prefix they replay (`Path.choose`, `Path.on_step`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.choices import Choice, Point
from rasmodel.errors import ReplayMismatch
from rasmodel.execution import Execution, Run
from rasmodel.explore.replay import Replay
from rasmodel.explore.strategy import Execute, Strategy, diverged
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step, TraceEvent


class _Recording(Run):
    """A run as it is, plus the fingerprint of every step's writes."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.fingerprints: list[int] = []

    def choose(self, point: Point) -> int:
        return self.run.choose(point)

    def attach(self, env: Env, holding: Callable[[], Any]) -> None:
        self.run.attach(env, holding)

    def on_step(self, step: Step, env: Env) -> None:
        self.fingerprints.append(env.writes_fingerprint(step.writes))
        self.run.on_step(step, env)

    def on_emit(self, event: TraceEvent) -> None:
        self.run.on_emit(event)

    def on_end(self, execution: Execution) -> None:
        self.run.on_end(execution)


class _Probe(Replay):
    """Replays a recorded execution and checks it makes the very same steps."""

    def __init__(self, choices: tuple[Choice, ...], fingerprints: list[int]) -> None:
        super().__init__(choices)
        self.recorded = choices
        self.fingerprints = fingerprints

    def choose(self, point: Point) -> int:
        index = self.cursor
        if index < len(self.recorded):
            first = self.recorded[index]
            if first.kind != point.kind or set(first.options) != set(point.options):
                raise diverged(
                    self.steps,
                    f"the first execution made choice {index} among {list(first.options)}, "
                    f"the same choices now offer {list(point.options)}",
                )
        try:
            return super().choose(point)
        except ReplayMismatch as error:
            raise diverged(self.steps, str(error)) from None

    def on_step(self, step: Step, env: Env) -> None:
        recorded = self.fingerprints
        if step.index < len(recorded) and recorded[step.index] != env.writes_fingerprint(
            step.writes
        ):
            raise diverged(
                step.index,
                f"the step of {step.actor} ({step.label}) wrote other values than the first time",
                env.processes[step.actor].suspended_at(),
            )


class Deterministic:
    """`strategy`, with its first execution run twice and compared."""

    def __init__(self, strategy: Strategy, rerun: Execute) -> None:
        self.strategy = strategy
        self.rerun = rerun  # an execution that is not part of the search
        self.name = strategy.name

    @property
    def exhaustive(self) -> bool:
        return self.strategy.exhaustive

    def explore(self, execute: Execute, stop: Callable[[], bool]) -> None:
        probed = False

        def checked(run: Run) -> Execution:
            nonlocal probed
            if probed:
                return execute(run)
            probed = True
            recording = _Recording(run)
            execution = execute(recording)
            again = self.rerun(_Probe(execution.choices, recording.fingerprints))
            if len(again.choices) != len(execution.choices):
                raise diverged(
                    len(again.steps),
                    f"the first execution made {len(execution.choices)} choices, the same "
                    f"choices replayed made {len(again.choices)}",
                )
            return execution

        self.strategy.explore(checked, stop)
