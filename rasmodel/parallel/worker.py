"""What a worker process runs: one unit of the search, or one shard of a sampler."""

from __future__ import annotations

import dataclasses
import os
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

import rasmodel
from rasmodel.choices import CHOOSE, RUN, Wanted
from rasmodel.errors import Location, ModelError, RasmodelError, UsageError
from rasmodel.execution import Execution, Selection
from rasmodel.explore.dpor import DporPath
from rasmodel.explore.path import Path
from rasmodel.explore.replay import Replay
from rasmodel.explore.units import (
    Found,
    Outcome,
    Unit,
    inputs,
    portable,
    received,
)
from rasmodel.model import Model
from rasmodel.parallel.job import Job, homed, model_of, unpacked
from rasmodel.search import Search, make_strategy
from rasmodel.watchdog import Watchdog


def run_unit(job: Job, payload: bytes) -> bytes:
    """Search one unit (a pickled `Unit`) in a worker; returns the pickled `Outcome`."""
    if job.version != rasmodel.__version__:
        error = UsageError(
            f"a worker runs rasmodel {rasmodel.__version__}, but this check needs "
            f"{job.version}: install the same rasmodel version on every worker (pip install "
            f"rasmodel=={job.version}) and restart them."
        )
        return pickle.dumps(Outcome(error=_portable_error(error)))
    unit: Unit = pickle.loads(payload)
    root = ""
    with _ONE_AT_A_TIME:  # executions patch SimPy process-wide: one unit per process
        started = time.monotonic()
        try:
            root = unpacked(job)
            model = model_of(job)
            with Watchdog(job.options.step_timeout) as dog:
                outcome = UnitSearch(model, job, unit, dog.tick).explore_unit()
        except RasmodelError as error:
            outcome = Outcome(error=_portable_error(error))
        outcome.seconds = time.monotonic() - started
    if root:  # what the user reads names their files, not this worker's copies
        _home(outcome, root, job.origin)
    return pickle.dumps(outcome)


def _home(outcome: Outcome, root: str, origin: str | None) -> None:
    if outcome.livelock is not None:
        outcome.livelock = homed(outcome.livelock, root, origin)
    if outcome.error is not None:
        kind, message, where, hint = outcome.error
        if where is not None:
            where = dataclasses.replace(where, file=homed(where.file, root, origin))
        if "FileNotFoundError" in message and root + os.sep in message:
            hint = (
                "A worker has only the model file, the modules it imports from its "
                "directory and the files it opened while it was imported (see "
                "docs/parallel.md): open data files when the model is imported, keep the "
                "data in a module next to the model, or run without --jobs/--cluster."
            )
        outcome.error = (kind, homed(message, root, origin), where, homed(hint, root, origin))


_ONE_AT_A_TIME = threading.Lock()


def _portable_error(error: RasmodelError) -> tuple[str, str, Location | None, str]:
    """An error as plain values (exceptions with keyword arguments do not unpickle)."""
    return (
        type(error).__name__,
        getattr(error, "message", str(error)),
        getattr(error, "where", None),
        getattr(error, "hint", ""),
    )


def raise_error(error: tuple[str, str, Location | None, str]) -> None:
    kind, message, where, hint = error
    if kind == "UsageError":
        raise UsageError(message)
    raise ModelError(message, where=where, hint=hint)


class UnitSearch(Search):
    """The search of one unit, in a worker: the single search's loop from where the
    unit stands, down to its floor."""

    def __init__(self, model: Model, job: Job, unit: Unit, tick: Callable[[], None]) -> None:
        opts = dataclasses.replace(
            job.options,
            max_executions=unit.budget,
            time_limit=None,
            jobs=1,
            cluster=None,
            keep_on_interrupt=False,
        )
        super().__init__(model, dict(job.params), list(job.names), opts, None, tick)
        self.unit = unit
        self.before = unit.found
        self.outcome = Outcome()
        self.ran = 0
        self.deadline = None if unit.seconds is None else time.monotonic() + unit.seconds

    def _selection(self) -> Selection:
        return self.selection.without(set(self.before) | set(self.found))

    def _decided(self) -> bool:
        decided = set(self.before) | set(self.found)
        return len(decided) == len(self.names) and not self.opts.collect_states

    def _stop_reason(self) -> str | None:
        reason = super()._stop_reason()
        deadline = self.deadline
        if reason is None and self.ran and deadline is not None and time.monotonic() >= deadline:
            return "slice"  # after one execution at least: every unit makes progress
        return reason

    def _account(self, execution: Execution) -> None:
        self.ran += 1
        prior = set(self.found)
        super()._account(execution)
        for name, (found, violation, count, _at) in self.found.items():
            if name not in prior:
                skip = frozenset(self.before | prior)
                self.outcome.found.append(Found(name, found.choices, skip, count, violation))

    def explore_unit(self) -> Outcome:
        if self.opts.strategy != "dfs":
            return self._sample()
        unit, outcome = self.unit, self.outcome
        strategy = make_strategy(self.opts, self.selection)
        path: Path = strategy.path  # type: ignore[attr-defined]
        path.branches = received(list(unit.branches))
        path.floor = unit.floor
        if isinstance(path, DporPath):
            path.fresh_branch = unit.fresh
            path.analysed = unit.analysed
            if unit.visibility is not None:
                path.visibility = unit.visibility
            if unit.probe:
                self._probe(path)
        outcome.inputs = inputs(path.branches)
        walk = _Walk(path)
        self.strategy = walk
        stop, stopped = self._stopper()
        if unit.first:
            from rasmodel.explore.determinism import Deterministic

            first = self._selection()
            Deterministic(walk, lambda run: self._run(run, first)).explore(self._execute, stop)
        else:
            walk.explore(self._execute, stop)
        outcome.executions, outcome.steps, outcome.pruned = self.executions, self.steps, self.pruned
        outcome.deepest, outcome.depth_hits = self.deepest, self.depth_hits
        outcome.final_states = self.final_states
        outcome.livelock = self.livelock
        outcome.restart = walk.restart
        outcome.limited = path.limited
        outcome.footprints = [dict(b.footprints) for b in path.branches[: unit.floor]]
        if isinstance(path, DporPath):
            outcome.exported = path.exported
            outcome.visibility = path.visibility
        reason = stopped[0] if stopped else None
        if reason == "slice" and not walk.done and not walk.restart:
            outcome.remainder = portable(path.branches[unit.floor :])  # the rest is ours
        elif reason not in (None, "slice"):
            outcome.stopped_by = reason
        return outcome

    def _probe(self, path: DporPath) -> None:
        """Fill in the footprints of the options explored before the unit's own at its
        branch that the coordinator did not know yet (they decide what sleeps below):
        each is what that option's step touches there, run once and not counted (the
        single search ran it before). A step that chooses is left out (its footprint is
        the union over its options); the commit then finds the difference."""
        branches = path.branches
        last = branches[-1]
        missing = [
            actor
            for actor in last.order[: last.pos]
            if actor not in last.sleep and actor not in last.footprints
        ]
        if not missing or last.kind != RUN or path.bound is not None:
            return
        prefix = [
            Wanted(RUN, b.chosen) if b.kind == RUN else Wanted(CHOOSE, b.chosen, b.point.label)
            for b in branches[:-1]
        ]
        step = sum(1 for b in branches if b.kind == RUN) - 1
        footprints = dict(last.footprints)
        for actor in missing:
            choices = [*prefix, Wanted(RUN, actor)]
            execution = self._run(Replay(choices), self._selection(), stop_after=len(choices))
            if len(execution.choices) != len(choices) or len(execution.steps) <= step:
                continue
            access = path.visibility.access(execution.steps[step])
            footprints[actor] = (access.reads, access.writes)
        branches[-1] = dataclasses.replace(last, footprints=footprints)

    def _sample(self) -> Outcome:
        """A shard of a sampling strategy: its own seed (`Unit.seed`) and budget."""
        self.opts = dataclasses.replace(self.opts, seed=self.unit.seed)
        self.before = frozenset()
        key = f"{self.model.path}:{self.model.name}:{sorted(self.params.items())}"
        strategy = self.strategy = make_strategy(self.opts, self.selection, key)
        reason = self._explore(strategy)
        outcome = self.outcome
        outcome.executions, outcome.steps, outcome.pruned = self.executions, self.steps, self.pruned
        outcome.deepest, outcome.depth_hits = self.deepest, self.depth_hits
        outcome.final_states = self.final_states
        outcome.livelock = self.livelock
        if reason not in (None, "max-executions"):
            outcome.stopped_by = reason
        return outcome


class _Walk:
    """The depth-first loop of `DepthFirst`, stopping at the unit's floor and at a
    restart (which the coordinator does for the whole search)."""

    name = "dfs"
    exhaustive = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done = False
        self.restart = False

    def explore(self, execute: Callable[[Any], Execution], stop: Callable[[], bool]) -> None:
        while not stop():
            execute(self.path)
            if getattr(self.path, "restart", False):
                self.restart = True
                return
            if not self.path.backtrack():
                self.done = True
                return
