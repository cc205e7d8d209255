"""A depth-first search split into units, with the results of one search.

A unit is one option of one branch point of the search tree: the path's branches
from the root down to that branch (`Unit.branches`, with the option chosen at the
last), searched below it by a worker as the single search would (`Path.floor` keeps
the worker out of the branches above). A worker that runs out of its time slice
returns what it explored so far and where it stands (`Outcome.remainder`); the
options left on that path become units of their own.

Why the results are those of `--jobs 1`, executions and pruned runs included: with
DPOR what a unit explores depends on the state of the branches above it when it
starts (their sleep sets, the footprints of the options explored there, the wakeup
tree of the option it takes), and a unit changes that state for the units after it
(the races it reverses above its floor, `DporPath.exported`, and the footprints of
its steps). So units are *committed* one at a time in the order of the single search,
each applying its changes as that search would have; a unit that ran before the
units ahead of it were committed is taken only if what it read of the branches above
(`inputs`) is what the single search would have shown it, and is run again
otherwise. This is optimistic concurrency over a depth-first search: speculation
that turns out wrong costs time, never a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rasmodel.choices import CHOOSE, RUN
from rasmodel.explore.path import Branch, Path, Touched
from rasmodel.explore.wakeup import WakeupNode


@dataclass
class Unit:
    """One option of one branch point (the last of `branches`) and the search below it.

    `fresh` is the first branch whose races the unit's first execution analyses (the
    ones above were analysed by the execution that opened them); `analysed` is 0 only
    for the very first unit of a search (see `DporPath.on_end`)."""

    branches: list[Branch]
    fresh: int
    analysed: int = 1
    found: frozenset[str] = frozenset()  # properties violated before it
    visibility: Any = None  # the DPOR `Visibility` it runs with
    first: bool = False  # the search's first unit: its first execution is run twice
    budget: int | None = None  # executions it may run (--max-executions)
    seconds: float | None = None  # its time slice
    seed: int = 0  # a sampling shard's seed
    probe: bool = False  # run the steps of the options before it whose footprints are missing

    @property
    def floor(self) -> int:
        return len(self.branches)


@dataclass
class Found:
    """A violation a unit found: its execution is re-run from `choices` by the
    coordinator (with the properties not violated before it, `skip` left out)."""

    name: str
    choices: tuple[Any, ...]
    skip: frozenset[str]
    count: int  # executions of the unit up to and including it
    violation: Any


@dataclass
class Outcome:
    """What a unit explored and what it changes above its floor."""

    executions: int = 0
    steps: int = 0
    pruned: int = 0
    deepest: int = 0
    depth_hits: int = 0
    found: list[Found] = field(default_factory=list)
    final_states: set[Any] = field(default_factory=set)
    exported: list[Any] = field(default_factory=list)  # `Reversal`s, in the order found
    footprints: list[dict[str, Touched]] = field(default_factory=list)  # per branch above
    remainder: list[Branch] | None = None  # its branches where it stopped, when its slice ran out
    restart: bool = False  # invariants turned out to read more: start the search over
    visibility: Any = None
    limited: bool = False
    stopped_by: str | None = None  # what ended the whole search there
    livelock: str | None = None
    error: Any = None  # a model error, re-raised by the coordinator
    inputs: Any = None  # what it read of the branches above it (`inputs`), as it began
    seconds: float = 0.0


def choices_of(branches: list[Branch]) -> tuple[Any, ...]:
    return tuple(branch.chosen for branch in branches)


def portable(branches: list[Branch]) -> list[Branch]:
    """The branches as another process can unpickle them: `choose` options replaced by
    their indices (the path compares only how many there are, and a model's options
    need not pickle)."""
    out = branches[:]
    for index, branch in enumerate(branches):
        if branch.kind == CHOOSE:
            options = tuple(range(len(branch.point.options)))
            out[index] = replace(branch, point=branch.point._replace(options=options))
    return out


def shipped(branches: list[Branch]) -> list[Branch]:
    """`portable` branches with only what a unit reads of them (`inputs`) and writes
    back (`Outcome.footprints`): the sleep sets, the footprints of the options before
    the one taken, and the wakeup tree inherited at the last scheduling point; the
    trees and footprints of the other options stay with the coordinator."""
    last = max((i for i, branch in enumerate(branches) if branch.kind == RUN), default=-1)
    out = portable(branches)
    for index, branch in enumerate(out):
        explored = branch.order[: branch.pos]
        footprints = {a: t for a, t in branch.footprints.items() if a in explored}
        wakeup = {}
        if index == last and branch.chosen in branch.wakeup:
            wakeup = {branch.chosen: branch.wakeup[branch.chosen]}
        out[index] = replace(branch, footprints=footprints, wakeup=wakeup)
    return out


def received(branches: list[Branch]) -> list[Branch]:
    """Branches another process sent, without the fingerprints of the values steps
    wrote: hashes of that process (one started apart has another hash seed), so this
    one checks determinism on its own executions."""
    for branch in branches:
        branch.fingerprint = None
        branch.wrote = frozenset()
    return branches


def inputs(branches: list[Branch]) -> tuple[Any, ...]:
    """What a unit reads of the branches above it, as a value: for each branch the
    option taken, its sleep set and the footprints of the options explored before it
    (which actors sleep below), and at the last scheduling point the wakeup tree of
    the option taken (what the unit's first new branch inherits, `DporPath._inherited`;
    the trees of the points above it hold later siblings of the branches below them,
    which the unit never takes)."""
    last = max((i for i, branch in enumerate(branches) if branch.kind == RUN), default=-1)
    return tuple(
        (
            branch.chosen,
            tuple(sorted(branch.sleep.items())),
            tuple((actor, branch.footprints.get(actor)) for actor in branch.order[: branch.pos]),
            frozen(branch.wakeup.get(branch.chosen, ())) if index == last else (),
        )
        for index, branch in enumerate(branches)
    )


def frozen(nodes: Any) -> tuple[Any, ...]:
    return tuple(
        (node.actor, node.access, node.options, frozen(node.children))
        for node in nodes
        if isinstance(node, WakeupNode)
    )


def open_options(branches: list[Branch], floor: int) -> list[tuple[int, int]]:
    """The options still to explore on a path, deepest branch first (each branch's in
    order), as (branch index, option index); the last branch's current option first
    (a path that was just backtracked stands at an option not explored yet)."""
    found: list[tuple[int, int]] = []
    last = len(branches) - 1
    for level in reversed(range(floor, len(branches))):
        branch = branches[level]
        start = branch.pos if level == last else branch.pos + 1
        found.extend(
            (level, index)
            for index in range(start, len(branch.order))
            if branch.order[index] not in branch.sleep
        )
    return found


def unit_at(branches: list[Branch], level: int, index: int) -> list[Branch]:
    """The branches of the unit for option `index` of branch `level`."""
    head = branches[: level + 1]
    return [*head[:-1], replace(head[-1], pos=index, fingerprint=None, wrote=frozenset())]


def advance(master: list[Branch], bound: int | None) -> bool:
    """Backtrack the committed path to the next option as the single search would;
    False when the search is over."""
    path = Path(bound)
    path.branches = master
    return path.backtrack()
