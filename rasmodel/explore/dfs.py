"""Exhaustive stateless depth-first search over choice sequences.

Each execution re-runs the model from its build, following the recorded branches;
where the record ends, new branch points are created; backtracking is "truncate and
advance" (loom's `Path`). At each scheduling point the running actor is tried first,
so early executions have few preemptions.

With a preemption bound the search explores the executions with at most that many
preemptions (context bounding, Musuvathi and Qadeer, PLDI 2007), each once, with
no memory but its current path; going on with the running actor is tried first,
so early executions have few preemptions, and the minimiser then searches below
the preemptions of what was found. A search in which the bound never kept an option
out was the whole search, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rasmodel.choices import CHOOSE, RUN
from rasmodel.execution import Execution, ExitReason
from rasmodel.explore.base import diverged
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step

Touched = tuple[frozenset[str], frozenset[str]]  # (reads, writes) of explored steps


@dataclass(slots=True)
class Branch:
    """One decision point on the current path and the options still to try there."""

    kind: str
    offered: tuple[Any, ...]
    order: list[Any]
    preemptions: int
    last: str | None = None
    label: str = ""
    pos: int = 0
    fingerprint: int | None = None
    wrote: frozenset[str] = frozenset()
    sleep: dict[str, Touched] = field(default_factory=dict)
    footprints: dict[str, Touched] = field(default_factory=dict)

    @property
    def chosen(self) -> Any:
        return self.order[self.pos]

    @property
    def running(self) -> bool:
        """The actor that ran last may go on running here (any other is a preemption)."""
        return self.kind == RUN and self.last is not None and self.last in self.offered

    def preempts(self, option: Any) -> bool:
        return self.running and option != self.last


@dataclass
class DfsTree:
    """The scheduler of DFS: replays `branches`, then extends them with new branch points.

    With `bound`, a scheduling point where the running actor may go on offers only
    that actor once the path has used `bound` preemptions (`limited` records that
    the bound kept something out)."""

    bound: int | None = None
    branches: list[Branch] = field(default_factory=list)
    cursor: int = 0
    limited: bool = False

    def pick_actor(self, enabled: Sequence[str], last: str | None) -> str:
        index = self.cursor
        if index == 0:
            self._begin()
        self.cursor += 1
        if index < len(self.branches):
            branch = self.branches[index]
            if branch.kind != RUN or set(branch.offered) != set(enabled):
                raise diverged(self._step_number(), self._offer_mismatch(branch, enabled))
        else:
            branch = self._new_run_branch(index, enabled, last)
            self.branches.append(branch)
        self._entered(index)
        return str(branch.chosen)

    def _new_run_branch(self, index: int, enabled: Sequence[str], last: str | None) -> Branch:
        """A new scheduling point: every enabled actor, the running one first (only it
        once the bound is used up)."""
        order = list(enabled)
        branch = Branch(RUN, tuple(enabled), order, self._preemptions_before(index), last)
        if last is not None and branch.running:
            order.remove(last)
            order.insert(0, last)
            if len(order) > 1 and self._spent(branch):
                del order[1:]
        return branch

    def _spent(self, branch: Branch) -> bool:
        """No preemption is left at `branch` (and the bound keeps one out)."""
        if self.bound is None or branch.preemptions < self.bound:
            return False
        self.limited = True
        return True

    def _begin(self) -> None:
        """Called at the first decision of every execution (a choose in the build, or
        the first scheduling point)."""
        return None

    def _entered(self, index: int) -> None:
        """Called with the branch index of every scheduling point, replayed or new."""
        return None

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        index = self.cursor
        if index == 0:
            self._begin()
        self.cursor += 1
        if index < len(self.branches):
            branch = self.branches[index]
            if (
                branch.kind != CHOOSE
                or branch.label != label
                or len(branch.offered) != len(options)
            ):
                raise diverged(
                    self._step_number(),
                    f"expected choose {branch.label!r} with {len(branch.offered)} options, "
                    f"got choose {label!r} with {len(options)}",
                )
            return int(branch.chosen)
        preemptions = self._preemptions_before(index)
        branch = Branch(CHOOSE, tuple(range(len(options))), list(range(len(options))), preemptions)
        branch.label = label
        self.branches.append(branch)
        return 0

    def after_step(self, step: Step, env: Env) -> None:
        # The step's writes depend on every choice made up to its end, so the
        # fingerprint belongs to the last branch the step consumed.
        branch = self.branches[self.cursor - 1]
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

    def finished(self, execution: Execution) -> None:
        """Learn from an execution before backtracking (DPOR adds branches here)."""
        return None

    def advance(self) -> bool:
        """Backtrack to the deepest branch with an untried option; False when exhausted."""
        branches = self.branches
        while branches:
            branch = branches[-1]
            while branch.pos + 1 < len(branch.order):
                branch.pos += 1
                if branch.chosen not in branch.sleep:  # sleeping actors are covered
                    branch.fingerprint = None
                    self.cursor = 0
                    return True
            branches.pop()
        return False

    def _preemptions_before(self, index: int) -> int:
        if index == 0:
            return 0
        prev = self.branches[index - 1]
        return prev.preemptions + (1 if prev.preempts(prev.chosen) else 0)

    def _step_number(self) -> int:
        return sum(1 for b in self.branches[: self.cursor] if b.kind == RUN) - 1

    @staticmethod
    def _offer_mismatch(branch: Branch, enabled: Sequence[str]) -> str:
        if branch.kind != RUN:
            return f"expected choose {branch.label!r}, got a scheduling point"
        return f"the first execution could run {list(branch.offered)}, this one {list(enabled)}"


TreeFactory = Callable[[int | None], DfsTree]


class DepthFirst:
    """`--strategy dfs`: exhaustive search, optionally context-bounded.

    The tree decides what is explored at each branch point (every option, or, with
    DPOR, the options races ask for); this driver walks it, and starts it over when
    it asks to (`restart`, see DporTree.finished).
    """

    name = "dfs"

    def __init__(
        self, *, preemption_bound: int | None = None, tree: TreeFactory | None = None
    ) -> None:
        self.make_tree: TreeFactory = tree or (lambda bound: DfsTree(bound))
        self.bound = preemption_bound
        self.tree = self.make_tree(preemption_bound)
        self.started = False
        self.cut_by_depth = False
        self.complete = False  # every option the bound allows was explored
        self.restarts = 0  # searches started over because invariants read new keys

    def next_scheduler(self) -> DfsTree | None:
        if not self.started:
            self.started = True
            return self.tree
        if getattr(self.tree, "restart", False):
            self.restarts += 1
            self.tree = self.make_tree(self.bound)
            return self.tree
        if self.tree.advance():
            return self.tree
        self.complete = True
        return None

    def finished(self, execution: Execution) -> None:
        self.tree.finished(execution)
        if execution.reason is ExitReason.DEPTH:
            self.cut_by_depth = True

    @property
    def exhaustive(self) -> bool:
        """Every execution was explored: the bound, if any, never kept one out."""
        return self.complete and not self.cut_by_depth and not self.tree.limited
