"""The path of a depth-first search: the branch points of the current execution.

One `Path` both replays and explores (loom's `src/rt/path.rs`): while `pos` is
within the recorded branches it replays them, checking that the model offers the
same point and writes the same values as the first time; at `pos == len` it opens
a new branch point; backtracking is "truncate and advance". Memory is the path.

At each scheduling point the running actor is tried first, so early executions
have few preemptions. With a bound, a point where the running actor may go on
offers only that actor once the path has used up its preemptions (`limited`
records that the bound kept something out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasmodel.choices import CHOOSE, RUN, Point
from rasmodel.execution import Execution, Run
from rasmodel.explore.cache import Entry, StateCache
from rasmodel.explore.strategy import diverged
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step

Touched = tuple[frozenset[str], frozenset[str]]  # (reads, writes) of explored steps


@dataclass(slots=True)
class Branch:
    """One branch point on the path and the options to try there: actor names at a
    scheduling point, option indices at a choose."""

    point: Point
    order: list[Any]
    preemptions: int  # used before this branch
    pos: int = 0
    fingerprint: int | None = None  # of the writes of the step that ended here
    wrote: frozenset[str] = frozenset()
    sleep: dict[str, Touched] = field(default_factory=dict)
    footprints: dict[str, Touched] = field(default_factory=dict)
    wakeup: dict[str, Any] = field(default_factory=dict)  # actor -> its wakeup tree nodes
    entry: Entry | None = None  # the state cache's record of the state here

    @property
    def chosen(self) -> Any:
        return self.order[self.pos]

    @property
    def kind(self) -> str:
        return self.point.kind

    @property
    def last(self) -> str | None:
        return self.point.current

    @property
    def offered(self) -> tuple[Any, ...]:
        return self.point.options

    @property
    def running(self) -> bool:
        """The actor that ran last may go on running here (any other is a preemption)."""
        point = self.point
        return point.kind == RUN and point.current is not None and point.current in point.options

    def preempts(self, option: Any) -> bool:
        return self.running and option != self.point.current

    def index_in(self, point: Point) -> int:
        """The index of the chosen option among what `point` offers."""
        return point.options.index(self.chosen) if point.kind == RUN else int(self.chosen)


class Path(Run):
    """The run of a depth-first search: replays `branches`, then extends them."""

    def __init__(self, bound: int | None = None, cache: StateCache | None = None) -> None:
        self.bound = bound
        self.branches: list[Branch] = []
        self.pos = 0
        self.limited = False
        self.cache = cache if bound is None else None  # see `explore.cache`
        self.restart = False  # the search must start over (see `on_end`)
        self.depth = 0  # steps of the current execution so far
        # Branches below `floor` are fixed: the search is one unit of a split search
        # (see `explore.units`), the subtree below them from where the path stands.
        self.floor = 0

    def attach(self, env: Env, holding: Callable[[], Any]) -> None:
        if self.cache is not None:
            self.cache.attach(env, holding)

    # ---------------------------------------------------------------- run
    def choose(self, point: Point) -> int:
        pos = self.pos
        if pos == 0:
            self.depth = 0
            self.begin()
        self.pos += 1
        if pos < len(self.branches):
            branch = self.branches[pos]
            if not branch.point.same(point):
                raise diverged(
                    self._step_number(pos),
                    f"the first execution reached {branch.point.describe()}, this one "
                    f"{point.describe()}",
                )
        else:
            entry = self._visit() if point.kind == RUN and self.cache is not None else None
            branch = self.open(pos, point)
            branch.entry = entry
            self.branches.append(branch)
        self.entered(pos, branch)
        return branch.index_in(point)

    def _visit(self) -> Entry | None:
        """Look the state up in the cache (raises `CacheHit` when it is covered)."""
        assert self.cache is not None
        return self.cache.visit(self.asleep(), self.depth)

    def asleep(self) -> frozenset[str]:
        """The actors asleep at the scheduling point about to open."""
        return frozenset()

    def begin(self) -> None:
        """Called at the first choice of every execution."""

    def entered(self, pos: int, branch: Branch) -> None:
        """Called with every branch the execution takes, replayed or new."""

    def open(self, pos: int, point: Point) -> Branch:
        """A new branch point: every option, the running actor first (only it once
        the bound is used up)."""
        preemptions = self.preemptions_before(pos)
        if point.kind == CHOOSE:
            return Branch(point, list(range(len(point.options))), preemptions)
        order = list(point.options)
        branch = Branch(point, order, preemptions)
        if branch.running:
            order.remove(point.current)
            order.insert(0, point.current)
            if len(order) > 1 and self.spent(branch):
                del order[1:]
        return branch

    def spent(self, branch: Branch) -> bool:
        """No preemption is left at `branch` (and the bound keeps one out)."""
        if self.bound is None or branch.preemptions < self.bound:
            return False
        self.limited = True
        return True

    def preemptions_before(self, pos: int) -> int:
        if pos == 0:
            return 0
        prev = self.branches[pos - 1]
        return prev.preemptions + (1 if prev.preempts(prev.chosen) else 0)

    def on_step(self, step: Step, env: Env) -> None:
        """The step's writes depend on every choice made up to its end, so their
        fingerprint belongs to the last branch the step took; a replayed step that
        writes other values means the model is not deterministic."""
        self.depth += 1
        branch = self.branches[self.pos - 1]
        value = env.writes_fingerprint(step.writes) if step.writes else 0
        if branch.fingerprint is None:
            branch.fingerprint = value
            branch.wrote = step.writes
        elif branch.fingerprint != value:
            if branch.wrote != step.writes:
                what = f"it first wrote {sorted(branch.wrote)}, now {sorted(step.writes)}"
            else:
                what = f"it wrote {sorted(step.writes)} with other values than the first time"
            raise diverged(
                step.index,
                f"the step of {step.actor} ({step.label}) changed: {what}",
                env.processes[step.actor].suspended_at(),
            )

    def on_end(self, execution: Execution) -> None:
        """The states cached so far left out something this execution showed to
        matter (the model read the whole trace): start over with a cache that keys
        it (`StateCache.learn`)."""
        if self.cache is not None and self.cache.learn(execution):
            self.restart = True

    # ------------------------------------------------------------ backtrack
    def backtrack(self) -> bool:
        """Truncate to the deepest branch with an untried option and take it; False
        when every branch is exhausted. Sleeping actors are covered elsewhere."""
        branches = self.branches
        while len(branches) > self.floor:
            branch = branches[-1]
            while branch.pos + 1 < len(branch.order):
                branch.pos += 1
                if branch.chosen not in branch.sleep:
                    branch.fingerprint = None
                    self.pos = 0
                    return True
            if branch.entry is not None:
                branch.entry.done = True  # every execution from its state was explored
            branches.pop()
        return False

    def explored_fraction(self) -> float:
        """How much of the search tree the depth-first walk has left behind, taking
        every subtree of a branch point as the same size (Knuth's assumption): each
        level counts its options already tried, weighted by its share of the tree.
        The options a branch point knows can grow as the reduction adds some, so this
        is an estimate, for progress reports only."""
        done, share = 0.0, 1.0
        for branch in self.branches:
            options = max(len(branch.order), 1)
            done += share * branch.pos / options
            share /= options
        return done

    def _step_number(self, pos: int) -> int:
        return sum(1 for b in self.branches[:pos] if b.kind == RUN)
