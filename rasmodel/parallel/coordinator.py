"""The coordinator: the plan of units in the order of the single search, their
dispatch, and their commits (see `explore.units`)."""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rasmodel.errors import ModelError, RasmodelError, UsageError
from rasmodel.execution import Execution, ExitReason, Selection
from rasmodel.explore.dpor import Reversal
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
    shipped,
    unit_at,
)
from rasmodel.explore.wakeup import WakeupNode
from rasmodel.parallel.job import job_for
from rasmodel.parallel.pool import Pool
from rasmodel.parallel.worker import raise_error
from rasmodel.search import Search

RETRIES = 3  # times a unit whose worker died is sent again


class Signals:
    """Ctrl-C and SIGTERM, caught while the coordinator waits for workers and raised
    where it can stop cleanly (`check`). Raised where they land, they could be lost:
    Dask runs garbage-collector callbacks, and an exception raised inside one is
    printed and dropped, so the search went on (or waited for workers the same
    Ctrl-C had killed)."""

    def __init__(self) -> None:
        self.caught: int | None = None

    def catch(self, signum: int, frame: Any) -> None:
        if self.caught is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: at once
        self.caught = signum

    def check(self) -> None:
        from rasmodel.search import Terminated

        if self.caught is not None:
            raise Terminated if self.caught == signal.SIGTERM else KeyboardInterrupt


@contextmanager
def deferred_signals() -> Iterator[Signals]:
    """`Signals` for SIGINT and SIGTERM while the block runs (in the main thread;
    elsewhere they are left alone)."""
    signals = Signals()
    try:
        previous = {s: signal.signal(s, signals.catch) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        yield signals
        return
    try:
        yield signals
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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
    future: Future[bytes] | None = None
    outcome: Outcome | None = None
    children: list[Planned] = field(default_factory=list)  # planned from its remainder
    attempts: int = 0
    doomed_by: Planned | None = None  # a unit ahead whose reversals change its inputs
    predicted: int = 0  # times it was sent with the wakeup tree it was predicted to see

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
        self.signals = Signals()  # the search's, while it runs (`deferred_signals`)
        self.plan: deque[Planned] = deque()
        self.running: dict[Future[bytes], Planned] = {}
        self.visibility: Any = None
        self.complete = False
        self.limited = False
        self.committed = 0  # units
        self.reruns = 0

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
            f"{len(self.running)}/{self.pool.size} workers busy, {self.committed} units done "
            f"({self.reruns} run again), {len(self.plan)} planned{estimate}"
        )

    @property
    def exhaustive(self) -> bool:
        return self.complete and not self.search.depth_hits and not self.limited

    # ------------------------------------------------------------------ loop
    def explore(self, execute: Callable[[Any], Execution], stop: Callable[[], bool]) -> None:
        self.plan.append(Planned([], 0, first=True, analysed=0))
        try:
            with deferred_signals() as self.signals:
                self._explore(stop)
        finally:
            self.pool.close()

    def _explore(self, stop: Callable[[], bool]) -> None:
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
                if not self.complete:
                    stop()  # records what ended the search
                return  # done: as in the single search, a reason to stop ends nothing

    def _dispatch(self) -> None:
        """Send planned units, oldest first, while a worker is free (see `_waits`)."""
        head = self.plan[0] if self.plan else None
        for entry in self.plan:
            if len(self.running) >= self.pool.size:
                return
            if entry.future is not None or entry.outcome is not None or self._waits(entry):
                continue
            if entry.doomed_by is not None:
                if entry.predicted and entry.doomed_by in self.plan:
                    continue  # guessed wrong once: wait for what dooms it
                self._predict(entry)
            if entry is head or not self.reduced or self._known(entry):
                self._send(entry)
            elif self.bound is None:
                self._send(entry, probe=True)  # the worker runs the steps it needs

    def _waits(self, entry: Planned) -> bool:
        """`entry` would surely run again if sent now: with a bound, the footprints of
        the options before it, which decide what sleeps below it, are not known (a
        bounded run spans branches, so a worker cannot work them out on its own)."""
        if entry is self.plan[0]:
            return False
        return self.reduced and self.bound is not None and not self._known(entry)

    def _predict(self, entry: Planned) -> None:
        """Give a unit the wakeup tree it will inherit once the units ahead of it with
        an outcome are committed: their reversals at its branch, applied in order to
        a copy of it (a guess: the commit checks it)."""
        entry.doomed_by = None
        entry.predicted += 1
        level = entry.floor - 1
        branch = entry.branches[level]
        scratch = dataclasses.replace(
            branch, order=list(branch.order), wakeup=_copied(branch.wakeup)
        )
        for other, outcome in self._ahead(entry, level):
            scratch.pos = other.branches[level].pos
            for reversal in outcome.exported:
                if reversal.level == level:
                    reversal.apply(scratch)
        scratch.pos = branch.pos
        entry.branches[-1] = scratch

    def _known(self, entry: Planned) -> bool:
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
        learned: dict[str, Touched] = {}
        for _other, outcome in self._ahead(entry, level):
            _merge(learned, outcome.footprints[level])
        if any(actor not in learned for actor in wanted):
            return False
        footprints = dict(branch.footprints)
        for actor in wanted:
            footprints[actor] = learned[actor]
        entry.branches[-1] = dataclasses.replace(branch, footprints=footprints)
        return True

    def _ahead(self, entry: Planned, level: int) -> Iterator[tuple[Planned, Outcome]]:
        """The units ahead of `entry` in the plan that have an outcome and ran below
        an option of `entry`'s branch at `level` (an option explored before its own)."""
        prefix = choices_of(entry.branches[:level])
        for other in self.plan:
            if other is entry:
                return
            outcome = other.outcome
            below = other.floor > level and choices_of(other.branches[:level]) == prefix
            if outcome is not None and below:
                yield other, outcome

    def _starved(self, entry: Planned) -> bool:
        """Nothing else planned can be sent: cut `entry` short, so that what is left
        of it comes back as units for the idle workers."""
        return not any(
            e is not entry and e.future is None and e.outcome is None and not self._waits(e)
            for e in self.plan
        )

    def _send(self, entry: Planned, probe: bool = False) -> None:
        search = self.search
        entry.digest = inputs(entry.branches)
        entry.found = frozenset(search.found)
        entry.visibility = self.visibility
        budget = None
        if search.opts.max_executions is not None:
            budget = max(search.opts.max_executions - search.executions, 0)
        unit = Unit(
            shipped(entry.branches),
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

    def _collect(self) -> None:
        """Wait for a unit to come back and keep its outcome with its entry."""
        self.pool.poll()
        done, _ = wait(list(self.running), timeout=0.2, return_when=FIRST_COMPLETED)
        self.signals.check()
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
            if outcome.error is not None:
                raise_error(outcome.error)
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
                if not later.predicted:  # sent again, with the tree it will see
                    later.future = later.outcome = None  # a result on today's is stale

    def _lost(self, entry: Planned) -> None:
        """The worker process died: every unit it had is sent again."""
        if entry.attempts > RETRIES:
            raise RasmodelError(
                f"a worker process died {RETRIES} times running the same unit of the "
                "search: the model may end the process in some interleaving (os._exit, "
                "a crash in a C extension: run without --jobs to see it), or the machine "
                "may be out of memory (run with fewer --jobs)."
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
            _merge(self.master[level].footprints, footprints)
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
            self.master = self.master[:floor] + outcome.remainder
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
        view = entry.branches[:floor] + entry.outcome.remainder
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
        for entry in self.plan:
            entry.future = None
        self.plan.clear()
        self.running.clear()
        self.master = []
        self.plan.append(Planned([], 0, analysed=0))


def _merge(into: dict[str, Touched], footprints: dict[str, Touched]) -> None:
    """Add `footprints` to `into`, actor by actor (what a step touched over all the
    executions that ran it)."""
    for actor, (reads, writes) in footprints.items():
        before = into.get(actor)
        into[actor] = (reads, writes) if before is None else (before[0] | reads, before[1] | writes)


def _copied(wakeup: dict[str, Any]) -> dict[str, Any]:
    """A copy of a branch's wakeup trees that grafts do not reach back through."""

    def tree(nodes: list[WakeupNode]) -> list[WakeupNode]:
        return [WakeupNode(n.actor, n.access, n.options, tree(n.children)) for n in nodes]

    return {actor: tree(nodes) for actor, nodes in wakeup.items()}


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


class ParallelSearch(Search):
    """`check()` with `jobs` > 1 or a `cluster`: the same bookkeeping as a single
    search, fed by committed units instead of executions."""

    stopped_by: str | None = None

    def _make_strategy(self) -> Any:
        opts = self.opts
        if opts.cache == "on":
            raise UsageError(
                "--cache on cannot be combined with --jobs or --cluster: the cache is one "
                "process's memory of the states it explored, which workers do not share. "
                "Run the cached search in one process (drop --jobs/--cluster), or search "
                "in parallel without the cache (drop --cache on)."
            )
        job = job_for(self.model, self.params, self.names, opts)
        jobs = opts.jobs
        cores = os.cpu_count() or 1
        if opts.cluster is None and jobs > cores:
            self.notes.append(
                f"--jobs {jobs} started {jobs} worker processes on the {cores} cores of this "
                f"machine: they share them, which only adds overhead (use at most --jobs {cores}, "
                "or --cluster to use more machines)."
            )
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
                # the violation as this process sees it (its messages name the user's files)
                mine = [v for v in execution.violations if v.property == found.name]
                violation = mine[0] if mine else found.violation
                self.found[found.name] = (execution, violation, base + found.count, elapsed)

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
            with deferred_signals() as signals:
                self._gather(futures, signals)
        finally:
            self.pool.close()

    def _gather(self, futures: list[Future[bytes]], signals: Signals) -> None:
        for future in futures:
            while not future.done():
                self.pool.poll()
                wait([future], timeout=0.2)
                signals.check()
                self.search.tick()
                self.search.report(self)
            outcome: Outcome = pickle.loads(future.result())
            if outcome.error is not None:
                raise_error(outcome.error)
            self.outcomes.append(outcome)
            self.search.take(outcome)
