"""`--jobs N` and `--cluster ADDRESS`: one search run by several worker processes.

The coordinator (this process) holds the committed path of the depth-first search
and a plan of units in the order the single search would explore them (see
`explore.units`); workers search units and send back what they found. Units are
committed in that order, so verdicts, executions and pruned runs are those of
`--jobs 1` whatever the number of workers and however the work was cut. Sampling
strategies (random, pct, hypothesis) run one shard per worker with disjoint seeds.

Workers are reached through the standard `concurrent.futures` interface: local
processes (`ProcessPoolExecutor`) or a Dask distributed cluster (its client's
executor); nothing here does networking of its own. The model reaches a worker by
content (its file and the local modules it imports) with the rasmodel version, and
a worker of another version refuses it. A unit whose worker died is run again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import rasmodel
from rasmodel.choices import CHOOSE, RUN, Wanted
from rasmodel.errors import Location, ModelError, RasmodelError, UsageError
from rasmodel.execution import Execution, ExitReason, Selection
from rasmodel.explore.dpor import DporPath, Reversal
from rasmodel.explore.path import Branch, Path, Touched
from rasmodel.explore.replay import Replay
from rasmodel.explore.units import (
    Found,
    Outcome,
    Unit,
    advance,
    choices_of,
    inputs,
    open_options,
    portable,
    unit_at,
)
from rasmodel.model import Model
from rasmodel.search import Search, make_strategy
from rasmodel.watchdog import Watchdog

FIRST_SLICE = 0.25  # seconds: the first unit is cut early so that every worker gets work
SLICE = 1.0  # seconds of search a unit runs before it returns what is left
RETRIES = 3  # times a unit whose worker died is sent again


# ====================================================================== the job
@dataclass(frozen=True)
class Job:
    """What every unit of one check needs: the model by content and the options."""

    version: str
    files: tuple[tuple[str, str], ...]  # (path relative to the model's directory, source)
    main: str  # the model file, relative to the same directory
    model_name: str
    params: tuple[tuple[str, Any], ...]
    names: tuple[str, ...]
    options: Any  # search.Options

    @property
    def key(self) -> str:
        return hashlib.sha1(repr((self.files, self.main)).encode()).hexdigest()[:16]


def job_for(model: Model, params: dict[str, Any], names: list[str], options: Any) -> Job:
    """The job of a check of `model`: its file and every module it imported from its
    own directory (or below), read now."""
    main = os.path.abspath(model.path) if model.path else ""
    if not main or not _defined_in(model, main):
        raise UsageError(
            f"model {model.name!r} is not defined at module level in a file, so it cannot "
            "be sent to workers: --jobs and --cluster need a model file "
            "(`rasmodel check FILE.py`, or `rm.check('FILE.py', jobs=N)`)."
        )
    root = os.path.dirname(main)
    files = {os.path.basename(main): _read(main)}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        path = os.path.abspath(path)
        if path.startswith(root + os.sep) and path != main:
            files[os.path.relpath(path, root)] = _read(path)
    return Job(
        rasmodel.__version__,
        tuple(sorted(files.items())),
        os.path.basename(main),
        model.name,
        tuple(sorted(params.items())),
        tuple(names),
        options,
    )


def _defined_in(model: Model, path: str) -> bool:
    """Whether a module loaded from `path` holds `model` at its top level (what a
    worker loading that file finds)."""
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and os.path.abspath(file) == path and model in vars(module).values():
            return True
    return False


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


_LOADED: dict[str, Model] = {}  # per worker process: the models it has loaded, by job key


def _model(job: Job) -> Model:
    """The job's model, written to a private directory and loaded once per worker."""
    model = _LOADED.get(job.key)
    if model is not None:
        return model
    from rasmodel.loader import models_in

    root = tempfile.mkdtemp(prefix=f"rasmodel-{job.key}-")
    for relative, source in job.files:
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(source)
    models = models_in(os.path.join(root, job.main))
    chosen = [m for m in models.values() if m.name == job.model_name]
    if not chosen:
        raise ModelError(f"the model file sent to the worker defines no model {job.model_name!r}.")
    model = _LOADED[job.key] = chosen[0]
    return model


# =================================================================== the worker
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
    with _ONE_AT_A_TIME:  # executions patch SimPy process-wide: one unit per process
        started = time.monotonic()
        try:
            model = _model(job)
            with Watchdog(job.options.step_timeout) as dog:
                outcome = UnitSearch(model, job, unit, dog.tick).explore_unit()
        except RasmodelError as error:
            outcome = Outcome(error=_portable_error(error))
        outcome.seconds = time.monotonic() - started
    return pickle.dumps(outcome)


_ONE_AT_A_TIME = threading.Lock()


def _portable_error(error: RasmodelError) -> tuple[str, str, Location | None, str]:
    """An error as plain values (exceptions with keyword arguments do not unpickle)."""
    return (
        type(error).__name__,
        getattr(error, "message", str(error)),
        getattr(error, "where", None),
        getattr(error, "hint", ""),
    )


def _raise(error: tuple[str, str, Location | None, str]) -> None:
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
        path.branches = list(unit.branches)
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
        stopped: list[str] = []

        def stop() -> bool:
            reason = self._stop_reason()
            if reason is not None and not stopped:
                stopped.append(reason)
            return reason is not None

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
            outcome.remainder = portable(path.branches)
            outcome.fresh = getattr(path, "fresh_branch", len(path.branches) - 1)
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


# ============================================================== the coordinator
@dataclass(eq=False)
class Planned:
    """A unit in the plan: where it stands, and once run, what it found."""

    branches: list[Branch]
    fresh: int
    first: bool = False
    analysed: int = 1
    digest: Any = None  # `inputs` when it was sent
    found: frozenset[str] = frozenset()
    visibility: Any = None
    budget: int | None = None
    future: Future[bytes] | None = None
    outcome: Outcome | None = None
    children: list[Planned] = field(default_factory=list)  # planned from its remainder
    attempts: int = 0
    doomed_by: Planned | None = None  # a unit ahead whose reversals change its inputs

    @property
    def floor(self) -> int:
        return len(self.branches)


class Split:
    """The coordinator of a split depth-first search: a strategy whose executions run
    in workers. `explore` dispatches, collects and commits units in order."""

    name = "dfs"

    def __init__(self, search: ParallelSearch, pool: Pool) -> None:
        self.search = search
        self.pool = pool
        self.bound = search.opts.preemption_bound
        self.reduced = search.opts.reduction == "dpor"  # footprints decide sleep sets
        self.master: list[Branch] = []
        self.plan: deque[Planned] = deque()
        self.running: dict[Future[bytes], Planned] = {}
        self.visibility: Any = None
        self.complete = False
        self.limited = False
        self.committed = 0  # units
        self.reruns = 0
        self.restarts = 0
        self.sent = 0
        self.busy_seconds = 0.0

    @property
    def path(self) -> None:  # no state cache with --jobs
        return None

    def describe(self) -> str:
        """What the workers are doing, for the progress line."""
        estimate = ""
        if self.master:
            path = Path(self.bound)
            path.branches = self.master
            fraction = path.explored_fraction()
            if fraction > 0:
                estimate = f", ~{fraction:.0%} explored"
        return (
            f"{len(self.running)}/{self.pool.size} workers busy, {self.committed} units done, "
            f"{len(self.plan)} planned{estimate}"
        )

    @property
    def exhaustive(self) -> bool:
        return self.complete and not self.search.depth_hits and not self.limited

    # ------------------------------------------------------------------ loop
    def explore(self, execute: Callable[[Any], Execution], stop: Callable[[], bool]) -> None:
        self.plan.append(Planned([], 0, first=True, analysed=0))
        try:
            while not stop():
                if not self.plan:
                    self.complete = True
                    return
                self._dispatch()
                head = self.plan[0]
                if head.outcome is None:
                    self._collect()
                    continue
                if self._commit(head):
                    stop()  # records what ended the search, if anything did
                    return
        finally:
            self.pool.close()

    def _dispatch(self) -> None:
        """Send planned units, oldest first, while a worker is free. A unit is sent
        before the ones ahead of it are committed only when the footprints of the
        options explored before it at its branch are known (they decide what sleeps
        below it): without them it would surely have to run again."""
        head = self.plan[0] if self.plan else None
        for index, entry in enumerate(self.plan):
            if len(self.running) >= self.pool.size:
                return
            if entry.future is not None or entry.outcome is not None:
                continue
            if entry.doomed_by is not None and entry is not head:
                if entry.doomed_by in self.plan:
                    continue  # it would run again: wait until what dooms it is committed
                entry.doomed_by = None
            if entry is head or not self.reduced or self._known(entry, index):
                self._send(entry)
            elif self.bound is None:
                self._send(entry, probe=True)  # the worker runs the steps it needs

    def _known(self, entry: Planned, index: int) -> bool:
        """Whether the footprints of the options before `entry`'s at its branch are
        known: committed, or in the outcome of a unit ahead of it in the plan (then
        taken into the branch `entry` is sent with)."""
        branch = entry.branches[-1]
        level = len(entry.branches) - 1
        wanted = [
            actor
            for actor in branch.order[: branch.pos]
            if actor not in branch.sleep and actor not in branch.footprints
        ]
        if not wanted:
            return True
        prefix = choices_of(entry.branches[:level])
        learned: dict[str, Touched] = {}
        for other in list(self.plan)[:index]:
            outcome = other.outcome
            if outcome is None or len(outcome.footprints) <= level:
                continue
            if choices_of(other.branches[:level]) != prefix:
                continue
            for actor, (reads, writes) in outcome.footprints[level].items():
                old = learned.get(actor)
                learned[actor] = (
                    (reads, writes) if old is None else (old[0] | reads, old[1] | writes)
                )
        if any(actor not in learned for actor in wanted):
            return False
        footprints = dict(branch.footprints)
        for actor in wanted:
            footprints[actor] = learned[actor]
        entry.branches[-1] = dataclasses.replace(branch, footprints=footprints)
        return True

    def _starved(self, entry: Planned) -> bool:
        """Nothing else is planned to be sent: cut `entry` short, so that what is
        left of it comes back as units for the idle workers."""
        return not any(e is not entry and e.future is None and e.outcome is None for e in self.plan)

    def _send(self, entry: Planned, probe: bool = False) -> None:
        search = self.search
        entry.digest = inputs(entry.branches)
        entry.found = frozenset(search.found)
        entry.visibility = self.visibility
        budget = None
        if search.opts.max_executions is not None:
            budget = max(search.opts.max_executions - search.executions, 0)
        entry.budget = budget
        unit = Unit(
            portable(entry.branches),
            entry.fresh,
            entry.analysed,
            entry.found,
            self.visibility,
            entry.first,
            budget,
            self.pool.slice(entry.first or self._starved(entry)),
            probe=probe,
        )
        entry.attempts += 1
        entry.future = self.pool.submit(pickle.dumps(unit))
        self.running[entry.future] = entry
        self.sent += 1

    def _collect(self) -> None:
        """Wait for a unit to come back and keep its outcome with its entry."""
        self.pool.poll()
        done, _ = wait(list(self.running), timeout=0.2, return_when=FIRST_COMPLETED)
        self.search.tick()  # waiting for workers is progress (the watchdog's concern)
        self.search.report(self)
        for future in done:
            entry = self.running.pop(future, None)
            if entry is None or entry.future is not future:
                continue  # dropped from the plan meanwhile
            entry.future = None
            try:
                outcome: Outcome = pickle.loads(future.result())
            except BrokenProcessPool:
                self._lost(entry)
                continue
            except Exception as error:  # a Dask worker lost for good (KilledWorker, ...)
                if self.pool.lost(error) and entry.attempts <= RETRIES:
                    continue  # sent again at the next dispatch
                raise
            self.busy_seconds += outcome.seconds
            if outcome.error is not None:
                _raise(outcome.error)
            entry.outcome = outcome
            if outcome.inputs is not None:
                entry.digest = outcome.inputs  # what it read, its probes included
            if entry in self.plan:
                self._doom_after(entry)
                ahead = entry is not self.plan[0]
                if outcome.remainder is not None and ahead and entry.doomed_by is None:
                    self._plan_rest(entry)

    def _doom_after(self, earlier: Planned) -> None:
        """Stop speculating below the units after `earlier` whose inherited wakeup tree
        its reversals will change (they will have to run again): a guess that saves
        work, never a result (the commit checks every unit)."""
        assert earlier.outcome is not None
        levels: dict[int, list[Reversal]] = {}
        for reversal in earlier.outcome.exported:
            if reversal.sequence is not None:
                levels.setdefault(reversal.level, []).append(reversal)
        if not levels:
            return
        plan = list(self.plan)
        for later in plan[plan.index(earlier) + 1 :]:
            level = later.floor - 1
            if later.doomed_by is not None or level not in levels:
                continue
            if choices_of(later.branches[:level]) != choices_of(earlier.branches[:level]):
                continue
            if _grafted(later.branches[level], levels[level]):
                later.doomed_by = earlier
                self._drop(later.children)
                later.children = []

    def _lost(self, entry: Planned) -> None:
        """The worker process died: every unit it had is sent again."""
        if entry.attempts > RETRIES:
            raise RasmodelError(
                f"a worker died {RETRIES} times running the same unit of the search; "
                "the machine may be out of memory. Run with fewer --jobs."
            )
        self.pool.restart()
        for future, other in list(self.running.items()):
            other.future = None
            del self.running[future]

    # ---------------------------------------------------------------- commit
    def _commit(self, head: Planned) -> bool:
        """Commit the oldest unit if it saw what the single search would have shown it,
        else send it again; True when the search is over."""
        search = self.search
        assert head.outcome is not None
        outcome = head.outcome
        if choices_of(head.branches) != choices_of(self.master):
            # A unit the plan did not know of comes first (races reversed since added
            # options): plan it now.
            self.plan.appendleft(self._entry_for_master())
            return False
        exact_budget = None
        if search.opts.max_executions is not None:
            exact_budget = search.opts.max_executions - search.executions
        if (
            head.digest != inputs(self.master)
            or head.found != frozenset(search.found)
            or head.visibility != self.visibility
            or (exact_budget is not None and outcome.executions > exact_budget)
        ):
            self._rerun(head)
            return False
        self.plan.popleft()
        self.committed += 1
        search.take(outcome)
        for level, footprints in enumerate(outcome.footprints):
            mine = self.master[level].footprints
            for actor, (reads, writes) in footprints.items():
                before = mine.get(actor)
                mine[actor] = (
                    (reads, writes)
                    if before is None
                    else (
                        before[0] | reads,
                        before[1] | writes,
                    )
                )
        for reversal in outcome.exported:
            reversal.apply(self.master[reversal.level])
        self.limited = self.limited or outcome.limited
        if outcome.visibility is not None:
            self.visibility = outcome.visibility
        if outcome.restart:
            self._restart()
            return False
        if outcome.stopped_by is not None:
            search.stopped_by = outcome.stopped_by
            return True
        floor = head.floor
        if outcome.remainder is not None:
            self.master = self.master[:floor] + outcome.remainder[floor:]
            if not head.children:
                self._plan_rest(head, front=True)
            return False
        del self.master[floor:]
        if not advance(self.master, self.bound):
            self.complete = True
            return True
        if not self.plan or choices_of(self.plan[0].branches) != choices_of(self.master):
            self.plan.appendleft(self._entry_for_master())  # an option races added
        return False

    def _entry_for_master(self) -> Planned:
        level = len(self.master) - 1
        return Planned(unit_at(self.master, level, self.master[level].pos), level)

    def _rerun(self, head: Planned) -> None:
        """What the unit read has changed since it was sent: run it again from the
        committed path (and drop what was planned from its remainder)."""
        self.reruns += 1
        self._drop(head.children)
        head.children = []
        fresh = self._entry_for_master() if self.master else Planned([], 0)
        head.branches, head.fresh = fresh.branches, fresh.fresh
        head.outcome = None
        head.future = None

    def _drop(self, entries: list[Planned]) -> None:
        for entry in entries:
            self._drop(entry.children)
            entry.future = None
            if entry in self.plan:
                self.plan.remove(entry)

    def _plan_rest(self, entry: Planned, front: bool = False) -> None:
        """Plan the options left on a unit's remainder, right after it."""
        assert entry.outcome is not None and entry.outcome.remainder is not None
        floor = entry.floor
        view = entry.branches[:floor] + entry.outcome.remainder[floor:]
        if front:
            view = self.master
        pieces = [
            Planned(unit_at(view, level, index), level)
            for level, index in open_options(view, floor)
        ]
        entry.children = pieces
        where = 0 if front else self.plan.index(entry) + 1
        for offset, piece in enumerate(pieces):
            self.plan.insert(where + offset, piece)

    def _restart(self) -> None:
        """Invariants turned out to read keys the analysis did not know: as the single
        search does, start over with what was learned."""
        self.restarts += 1
        for entry in self.plan:
            entry.future = None
        self.plan.clear()
        self.running.clear()
        self.master = []
        self.plan.append(Planned([], 0, analysed=0))


def _grafted(branch: Branch, reversals: list[Reversal]) -> bool:
    """Whether one of `reversals` (at `branch`) could be grafted below the option
    `branch` takes: that option starts one of its sequences and does not end it. An
    over-approximation (an option before it may take the sequence first, or one
    explored may cover it), cheap enough to ask of every outcome."""
    nodes = branch.wakeup.get(branch.chosen, ())
    for reversal in reversals:
        sequence = reversal.sequence
        assert sequence is not None
        for node in nodes:
            access = node.access
            touched = None if access is None or access.partial else (access.reads, access.writes)
            rest = sequence.after(node.actor, touched, node.options)
            if rest is not None and rest.steps:
                return True
    return False


# ================================================================= the workers
class Pool:
    """Workers behind a `concurrent.futures.Executor`: local processes, or a Dask
    cluster's."""

    def __init__(self, job: Job, jobs: int, cluster: str | None) -> None:
        self.job = job
        self.jobs = jobs
        self.cluster = cluster
        self.client: Any = None
        self.local_cluster: Any = None
        self.executor: Executor = self._start()
        self.size = jobs if cluster in (None, INLINE) else max(self._cluster_threads(), 1)

    def slice(self, short: bool) -> float:
        """The seconds a unit searches before it returns what is left (inline: one
        execution, so that tests cut the search at every execution)."""
        if self.cluster == INLINE:
            return 0.0
        return FIRST_SLICE if short else SLICE

    def _start(self) -> Executor:
        if self.cluster is None:
            return ProcessPoolExecutor(max_workers=self.jobs)
        if self.cluster == INLINE:
            return Inline()
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(
                "--cluster needs Dask's distributed scheduler: pip install 'rasmodel[cluster]'."
            ) from None
        if self.cluster == "local":
            self.local_cluster = LocalCluster(
                n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            self.client = Client(self.local_cluster)
        else:
            try:
                self.client = Client(self.cluster, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise UsageError(
                    f"--cluster {self.cluster}: cannot reach a Dask scheduler there ({error}). "
                    "Start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                    "or use --cluster local."
                ) from None
        return self.client.get_executor(pure=False)

    def _cluster_threads(self) -> int:
        """Worker processes: a process runs one unit at a time (see `run_unit`)."""
        return len(self.client.nthreads()) if self.client is not None else self.jobs

    def submit(self, payload: bytes) -> Future[bytes]:
        return self.executor.submit(run_unit, self.job, payload)

    def poll(self) -> None:
        """Let an inline executor run a unit (workers run on their own)."""
        if isinstance(self.executor, Inline):
            self.executor.run_one()

    def restart(self) -> None:
        self._shutdown()
        self.executor = self._start()

    def _shutdown(self) -> None:
        if isinstance(self.executor, ProcessPoolExecutor):
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            self.executor.shutdown(wait=False)

    def lost(self, error: BaseException) -> bool:
        """A Dask worker died while it ran the unit (the scheduler gave up on it)."""
        return type(error).__name__ in ("KilledWorker", "CommClosedError", "FutureCancelledError")

    def close(self) -> None:
        self._shutdown()
        if self.client is not None:
            self.client.close()
        if self.local_cluster is not None:
            self.local_cluster.close()


INLINE = "inline"


class Inline(Executor):
    """Runs the units in this process (`cluster="inline"`), newest first, when the
    coordinator waits: every unit but the oldest runs ahead of the units before it,
    so that tests go through speculation, re-runs and the commits in order without
    worker processes."""

    def __init__(self) -> None:
        self.queue: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.queue.append((future, fn, args))
        return future

    def run_one(self) -> None:
        if not self.queue:
            return
        future, fn, args = self.queue.pop()
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # noqa: BLE001 - handed to the caller as it is
            future.set_exception(error)


# ================================================================ the search
class ParallelSearch(Search):
    """`check()` with `jobs` > 1 or a `cluster`: the same bookkeeping as a single
    search, fed by committed units instead of executions."""

    stopped_by: str | None = None

    def _make_strategy(self) -> Any:
        opts = self.opts
        if opts.cache == "on":
            raise UsageError("--cache on is not available with --jobs or --cluster yet.")
        job = job_for(self.model, self.params, self.names, opts)
        jobs = opts.jobs
        pool = Pool(job, jobs, opts.cluster)
        if opts.strategy != "dfs":
            return Shards(self, pool)
        return Split(self, pool)

    def _stop_reason(self) -> str | None:
        if self.stopped_by is not None:
            return self.stopped_by
        return super()._stop_reason()

    def take(self, outcome: Outcome) -> None:
        """Add a committed unit's executions and findings, as if they ran here."""
        base = self.executions
        self.executions += outcome.executions
        self.steps += outcome.steps
        self.pruned += outcome.pruned
        self.deepest = max(self.deepest, outcome.deepest)
        self.depth_hits += outcome.depth_hits
        self.final_states |= outcome.final_states
        if outcome.livelock is not None and self.livelock is None:
            self.livelock = outcome.livelock
        elapsed = time.monotonic() - self.start
        for found in outcome.found:
            if found.name not in self.found:
                execution = self._replayed(found)
                self.found[found.name] = (execution, found.violation, base + found.count, elapsed)

    def _replayed(self, found: Found) -> Execution:
        """The execution of a violation a worker found, run again here."""
        if found.name == "livelock":
            selection = Selection.of(self.model, ["livelock"])
            return self._rerun("livelock", selection)(Replay(found.choices))
        selection = self.selection.without(set(found.skip))
        execution = self._run(Replay(found.choices), selection)
        if execution.reason is ExitReason.DEPTH and not execution.violations:
            raise ModelError(f"the execution that violated {found.name!r} did not replay.")
        return execution

    def report(self, split: Split | Shards) -> None:
        """The progress line, with what the workers are doing."""
        if self.progress is None:
            return
        from rasmodel.result import Stats

        now = time.monotonic()
        if now - self.last_report < 0.1:
            return
        self.last_report = now
        stats = Stats(self.executions, self.steps, now - self.start, self.pruned)
        self.progress(stats, self.deepest, split.describe())


class Shards:
    """A sampling strategy split into one shard per worker, with disjoint seeds: shard
    i runs seed `seed + i * 1_000_003` and its share of --max-executions."""

    name = "sampling"

    def __init__(self, search: ParallelSearch, pool: Pool) -> None:
        self.search = search
        self.pool = pool
        self.name = search.opts.strategy
        self.outcomes: list[Outcome] = []

    path = None
    exhaustive = False

    def describe(self) -> str:
        return f"{len(self.outcomes)}/{self.pool.size} shards done"

    def explore(self, execute: Callable[[Any], Execution], stop: Callable[[], bool]) -> None:
        from rasmodel.search import RANDOM_EXECUTIONS

        opts = self.search.opts
        total = opts.max_executions if opts.max_executions is not None else RANDOM_EXECUTIONS
        shards = self.pool.size
        futures = []
        for index in range(shards):
            share = total // shards + (1 if index < total % shards else 0)
            unit = Unit([], 0, budget=share, seed=opts.seed + index * 1_000_003)
            futures.append(self.pool.submit(pickle.dumps(unit)))
        try:
            for future in futures:
                while not future.done():
                    self.pool.poll()
                    wait([future], timeout=0.2)
                    self.search.tick()
                    self.search.report(self)
                outcome: Outcome = pickle.loads(future.result())
                if outcome.error is not None:
                    _raise(outcome.error)
                self.outcomes.append(outcome)
                self.search.take(outcome)
        finally:
            self.pool.close()
