"""Wakeup trees: what optimal DPOR remembers at each branch point.

Abdulla, Aronis, Jonsson and Sagonas, "Source Sets: A Foundation for Optimal Dynamic
Partial Order Reduction", JACM 2017, section 6. Where source-DPOR reverses a race by
adding one actor at a branch point, optimal DPOR adds the whole sequence that
reverses it (`notdep(e, E).e'`) and explores it before choosing freely; a sequence
that one already in the tree, or an actor asleep there, covers is not added. So no
execution runs into a sleep set: each is a new Mazurkiewicz trace.

Two departures from the paper, both because a rasmodel step is a whole stretch of
Python between two yields whose footprint can depend on the values it reads (a
compare-and-swap that fails only reads; `if flag: x = 1` writes only sometimes),
where the paper's events each touch what the program text fixes:

- A sequence that extends a leaf of the tree extends the leaf (the paper drops it:
  what is explored from a leaf is free, and in the paper's model its races lead
  back to the sequence; here a step of it may touch less than it did and not race).
- An actor that does not take part in a sequence covers it only if it touches none
  of the keys the sequence touches (the paper: if it commutes with it). A step that
  only read a key may write it in another order of the same steps. Nor does it
  cover the sequence if its step raised: that ends the execution, so no order in
  which it runs first goes on to run the sequence. A guard the sequence waits in
  counts as read (an interrupted wait_until may pass its guard in another order).
  And it must not touch the step the sequence is reversed against either: run
  first, it may change what that step does, so that below it the race is gone (in
  the paper, the race is found again below the covering actor).
  `HappensBefore.displaced_races` covers the other place the paper relies on
  footprints that do not change.

The tree of a branch point is kept on the path: for each child actor of the branch
(`Branch.order`) `Branch.wakeup` holds its nodes, one per list of `choose` options
its step took (the rest of a sequence depends on them); the children of the node
taken become the tree of the next scheduling point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rasmodel.explore.happens_before import ENDS, Access, independent
from rasmodel.explore.path import Branch, Touched
from rasmodel.sim.footprint import PROCESS_PREFIX, process_key

Options = tuple[Any, ...]


@dataclass(slots=True)
class WakeupNode:
    """One step of a wakeup sequence: who runs, what it touched, the options its
    `choose`s took, and what follows."""

    actor: str
    access: Access | None  # None: a child chosen freely (nothing follows it)
    options: Options = ()
    children: list[WakeupNode] = field(default_factory=list)


class Order(Protocol):
    """What a wakeup sequence needs of its execution's order: the steps, and which
    must stay before which (`HappensBefore`, or a `Detached` copy of that part)."""

    steps: list[Access]

    def ordered(self, i: int, j: int) -> bool: ...


@dataclass(slots=True)
class Detached:
    """The part of an execution's order one sequence reads, without the rest of the
    execution: what a unit of a split search sends its coordinator."""

    steps: list[Access]
    pairs: frozenset[tuple[int, int]]

    def ordered(self, i: int, j: int) -> bool:
        return (i, j) in self.pairs


class WakeupSequence:
    """Steps of one execution (indices into its happens-before order) to run in this
    order, with the options each step's `choose`s took, ahead of `against`: the step
    whose race with the last one the sequence reverses."""

    def __init__(
        self,
        steps: list[int],
        order: Order,
        options: Sequence[Options],
        against: Access | None = None,
    ) -> None:
        self.steps = steps
        self.order = order
        self.options = options
        self.against = against

    def step(self, position: int) -> Access:
        return self.order.steps[self.steps[position]]

    def detached(self) -> WakeupSequence:
        """The same sequence over a copy of only its own steps and their order."""
        size = len(self.steps)
        steps = [self.step(p) for p in range(size)]
        pairs = frozenset(
            (a, b)
            for b in range(size)
            for a in range(b)
            if self.order.ordered(self.steps[a], self.steps[b])
        )
        options = [self.options_at(p) for p in range(size)]
        return WakeupSequence(list(range(size)), Detached(steps, pairs), options, self.against)

    def options_at(self, position: int) -> Options:
        index = self.steps[position]
        return self.options[index] if index < len(self.options) else ()

    def without(self, position: int) -> WakeupSequence:
        rest = self.steps[:position] + self.steps[position + 1 :]
        return WakeupSequence(rest, self.order, self.options, self.against)

    def first_of(self, actor: str) -> int | None:
        for position in range(len(self.steps)):
            if self.step(position).actor == actor:
                return position
        return None

    def initial(self, position: int) -> bool:
        """The step at `position` depends on no earlier step of the sequence. The last
        step is the reversed one: it ran after the step it raced with, and run before
        it, it reads other values, so what it touches is not known: it is initial
        only where nothing precedes it."""
        if position == len(self.steps) - 1 and position > 0:
            return False
        step = self.steps[position]
        return not any(self.order.ordered(earlier, step) for earlier in self.steps[:position])

    def untouched_by(self, touched: Touched) -> bool:
        """No step of the sequence, nor the step it is reversed against, touches what
        `touched` read or wrote (see the module docstring: a read may be a write in
        another order), nor waited in a guard on it: a step an interrupt took out of
        its wait_until reads nothing, but moved before the step it raced with, it
        may pass the guard instead."""
        reads, writes = touched
        keys = reads | writes
        steps = [self.step(p) for p in range(len(self.steps))]
        if self.against is not None:
            steps.append(self.against)
        return all(
            independent((keys, keys), step) and keys.isdisjoint(step.guard or ()) for step in steps
        )

    def after(
        self, actor: str, touched: Touched | None, options: Options | None
    ) -> WakeupSequence | None:
        """What remains to run once `actor` took its next step first (with `options`,
        or any when None), or None when that does not start the sequence up to
        reordering: its step there must be an initial one, or touch nothing the
        sequence touches and not raise (a step that raised ends the execution, so
        the sequence never runs after it). A step that is not in the sequence and
        took `options` covers it only if it took none: `touched` is then what it
        touches whatever it chooses (`covered_by_sleep` passes the union over every
        option, None), while a step that chose covers only the executions where it
        runs first with that choice, and the sequence may be followed by the same
        step choosing otherwise, touching what the sequence touches."""
        position = self.first_of(actor)
        if position is not None:
            if not self.initial(position):
                return None
            if options is not None and options != self.options_at(position):
                return None
            return self.without(position)
        if touched is None or ENDS in touched[1] or options or _moves_another(actor, touched):
            return None
        return self if self.untouched_by(touched) else None

    def chain(self) -> WakeupNode:
        """The sequence as a chain of nodes; the last one's footprint is not known (see
        `initial`), so it covers no sequence it does not take part in."""
        head: WakeupNode | None = None
        last = len(self.steps) - 1
        for position in reversed(range(len(self.steps))):
            step = self.step(position)
            access = step.as_partial() if position == last else step
            children = [head] if head is not None else []
            head = WakeupNode(step.actor, access, self.options_at(position), children)
        assert head is not None
        return head


def covered_by_sleep(branch: Branch, sequence: WakeupSequence) -> bool:
    """Some actor asleep at the branch, or explored there already (with every option
    of its `choose`s), starts the sequence up to reordering: what it reverses was, or
    will be, explored from there."""
    asleep = dict(branch.sleep)
    for actor in branch.order[: branch.pos]:
        if actor in branch.footprints:
            asleep[actor] = branch.footprints[actor]
    return any(
        sequence.after(actor, touched, None) is not None for actor, touched in asleep.items()
    )


def insert(branch: Branch, sequence: WakeupSequence) -> None:
    """Add `sequence` to the wakeup tree of `branch`, a branch point of the current
    path not covered by `covered_by_sleep`, unless a sequence there covers it."""
    nodes = [node for actor in branch.order[branch.pos + 1 :] for node in branch.wakeup[actor]]
    parent: WakeupNode | None = None
    while True:
        for node in nodes:
            touched = _touched(node.access)
            rest = sequence.after(node.actor, touched, node.options)
            if rest is not None:
                break
        else:
            _graft(branch, parent, sequence.chain())
            return
        if not rest.steps:
            return  # covered: the sequence, or one it extends, is in the tree
        parent, nodes, sequence = node, node.children, rest


def _moves_another(actor: str, touched: Touched) -> bool:
    """The step woke or interrupted another process (wrote its key): what that
    process does next depends on whether this step ran first, so the step covers no
    sequence it does not take part in."""
    own = process_key(actor)
    return any(key.startswith(PROCESS_PREFIX) and key != own for key in touched[1])


def _touched(access: Access | None) -> Touched | None:
    """What a node's step touched; None when that is not known: a child chosen freely,
    or a partial step (a guard that never passed: what follows it is not known)."""
    if access is None or access.partial:
        return None
    return access.reads, access.writes


def _graft(branch: Branch, parent: WakeupNode | None, chain: WakeupNode) -> None:
    if parent is not None:
        parent.children.append(chain)
        return
    if chain.actor not in branch.offered:
        return  # the sequence cannot start here (it was blocked)
    if chain.actor not in branch.order:
        branch.order.append(chain.actor)
        branch.wakeup[chain.actor] = []
    branch.wakeup[chain.actor].append(chain)
