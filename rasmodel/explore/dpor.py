"""Dynamic partial-order reduction: source sets with sleep sets.

Stateless DFS explores only the scheduling options that races ask for. After each
execution, every pair of racing steps (see `happens_before`) is reversed by adding,
at the branch point before the first step, an actor that can start the reversed
order, unless one is already there (source-DPOR: Abdulla, Aronis, Jonsson and
Sagonas, POPL 2014, Algorithm 1). Sleep sets (Godefroid, LNCS 1032, 1996) stop an
actor from being explored again below a sibling it commutes with; an execution in
which every enabled actor sleeps is cut short ("pruned").

Dependence comes from footprints of tracked state, made *visible* for what the
selected properties observe: emitted events that a trace property reads conflict with
each other, and writes to state an invariant reads conflict with each other (an
invariant must see every order of those writes).

A preemption bound is not combined with the reduction: a bounded search runs plain
iterative context bounding (see `checker.make_strategy`). Conservative backtrack
points in the style of Coons, Musuvathi and McKinley ("Bounded partial order
reduction", OOPSLA 2013) missed violations that plain bounded enumeration found in
the random-program test, so the sound choice was to leave bounded searches unreduced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rasmodel.choices import RUN
from rasmodel.execution import Execution, Prune
from rasmodel.explore.dfs import Branch, DfsTree, Footprint
from rasmodel.explore.happens_before import Access, HappensBefore, independent
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step

TRACE_KEY = "@trace"
VISIBLE_KEY = "@visible"


@dataclass
class Visibility:
    """What the selected properties observe, turning raw footprints into accesses."""

    watched_kinds: frozenset[str] | None = frozenset()  # None: every emitted kind
    observed: set[str] = field(default_factory=set)  # keys invariants read

    def access(self, step: Step) -> Access:
        writes = step.writes
        extra = []
        if step.emits and (
            self.watched_kinds is None or not step.emits.isdisjoint(self.watched_kinds)
        ):
            extra.append(TRACE_KEY)
        if self.observed and not writes.isdisjoint(self.observed):
            extra.append(VISIBLE_KEY)
        if extra:
            writes = writes.union(extra)
        return Access(step.actor, step.reads, writes, step.cause, step.time, step.guard)


class DporTree(DfsTree):
    """DFS that adds branch options from races instead of trying every enabled actor."""

    def __init__(self, bound: int | None, branches: list[Branch], visibility: Visibility) -> None:
        super().__init__(bound, branches)
        self.visibility = visibility
        self.step_nodes: list[int] = []
        self.accesses: list[Access] = []
        self.fresh_branch = 0  # branches below this index replay an analysed prefix
        self.fresh_step = 0
        self.analysed = 0  # executions whose races were analysed
        self.restart = False  # the search must start over (see `finished`)

    # ------------------------------------------------------------ scheduling
    def _begin(self) -> None:
        self.step_nodes = []
        self.accesses = []
        self.fresh_step = -1

    def _entered(self, index: int) -> None:
        self.step_nodes.append(index)
        self._note_fresh(index)

    def pick_option(self, label: str, options: Sequence[Any]) -> int:
        index = self.cursor
        option = super().pick_option(label, options)
        self._note_fresh(index)
        return option

    def _note_fresh(self, index: int) -> None:
        if self.fresh_step < 0 and index >= self.fresh_branch:
            self.fresh_step = len(self.step_nodes) - 1

    def advance(self) -> bool:
        if not super().advance():
            return False
        self.fresh_branch = len(self.branches) - 1
        return True

    def _new_run_branch(self, index: int, enabled: Sequence[str], last: str | None) -> Branch:
        sleep = self._sleep_after_last_step(index)
        awake = [actor for actor in enabled if actor not in sleep]
        if not awake:
            raise Prune
        first = last if last is not None and last in awake else awake[0]
        preemptions = self._preemptions_before(index)
        return Branch(RUN, tuple(enabled), [first], preemptions, last, sleep=sleep)

    def _sleep_after_last_step(self, index: int) -> dict[str, Footprint]:
        """Actors asleep at the previous branch point, or explored there before the
        actor just run, that commute with the step just run."""
        if not self.step_nodes:
            return {}
        node = self.branches[self.step_nodes[-1]]
        step = self.accesses[-1]
        candidates = dict(node.sleep)
        for actor in node.order[: node.pos]:
            if actor in node.footprints:  # explored there (not skipped as asleep)
                candidates[actor] = node.footprints[actor]
        return {a: fp for a, fp in candidates.items() if independent(fp, step)}

    def after_step(self, step: Step, env: Env) -> None:
        super().after_step(step, env)
        access = self.visibility.access(step)
        self.accesses.append(access)
        node = self.branches[self.step_nodes[-1]]
        reads, writes = node.footprints.get(step.actor, (frozenset(), frozenset()))
        node.footprints[step.actor] = (reads | access.reads, writes | access.writes)

    # ------------------------------------------------------------ races
    def finished(self, execution: Execution) -> None:
        """Add, for every race of the execution, an actor that reverses it.

        Steps that never ran (processes still enabled when a step failed or a bound
        cut the execution) take part as steps that conflict with everything, and
        guards still waiting as reads of their keys: the execution is analysed as if
        it were maximal. When invariants turn out to read keys they were not known to
        read, the accesses of this execution are rebuilt with them if it is the
        first; otherwise earlier executions were analysed without them, and the
        search starts over (`restart`)."""
        if not execution.observed <= self.visibility.observed:
            self.visibility.observed |= execution.observed
            if self.analysed:
                self.restart = True
                return
            self._rebuild(execution)
        self.analysed += 1
        accesses = list(self.accesses)
        time = accesses[-1].time if accesses else 0
        for pending in execution.pending:
            keys = pending.guard or frozenset()
            accesses.append(
                Access(pending.actor, keys, frozenset(), -1, time, pending.guard, pending.enabled)
            )
        order = HappensBefore(accesses)
        start = self.fresh_step if self.fresh_step >= 0 else len(self.accesses)
        ran = len(self.accesses)
        for i, j in order.races(start):
            if i < ran:  # two steps that never ran have nothing to reverse
                self._reverse(i, order.initials(i, j))

    def _rebuild(self, execution: Execution) -> None:
        """The first execution's accesses, with what invariants were seen to read."""
        self.accesses = [self.visibility.access(step) for step in execution.steps]
        for index, access in zip(self.step_nodes, self.accesses, strict=False):
            self.branches[index].footprints[access.actor] = (access.reads, access.writes)

    def _reverse(self, step: int, initials: list[str]) -> None:
        index = self.step_nodes[step]
        branch = self.branches[index]
        if any(actor in branch.order for actor in initials):
            return
        enabled = [a for a in initials if a in branch.offered]
        if enabled:
            awake = [a for a in enabled if a not in branch.sleep]
            self._add(index, (awake or enabled)[0])
        # Otherwise the reversing actor was blocked there (a wait_until whose guard was
        # false): the write that would enable it races with this step itself, and that
        # race is reversed on its own.

    def _add(self, index: int, actor: str) -> None:
        self.branches[index].order.append(actor)
