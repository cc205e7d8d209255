"""A state cache for the depth-first search: a state explored before is not explored again.

State caching with sleep sets (Godefroid, LNCS 1032, 1996, chapter 5): when the
search reaches a state whose subtree was explored to the end, with a sleep set that
is a subset of today's (and no fewer steps left before `--max-depth`), every
execution from here was covered there, and this one is cut ("cached").

What the cut loses is the race analysis of the steps that would have followed
against the steps that led here (stateless DPOR learns from those races where else
to branch). Yang, Chen, Gopalakrishnan and Kirby ("Efficient stateful dynamic
partial order reduction", SPIN 2008) summarise the explored subtree for that; here
the answer is coarser and needs no argument about which races the summary misses:
every scheduling point on the path to a cut explores every enabled actor that is
not asleep, as plain enumeration with sleep sets does. Subtrees that never reach a
cached state keep the full reduction. A state the cache cannot key (see
`sim.statekey`) is explored as without it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from rasmodel.execution import CacheHit, Execution
from rasmodel.sim.env import Env
from rasmodel.sim.statekey import Keying, Unkeyable


@dataclass(slots=True)
class Entry:
    """A state the search reached: the sleep set and depth of the visit, and whether
    its subtree was explored to the end."""

    sleep: frozenset[str]
    depth: int
    done: bool = False

    def covers(self, sleep: frozenset[str], depth: int) -> bool:
        return self.done and self.sleep <= sleep and self.depth <= depth


@dataclass
class Learned:
    """What the executions of a search showed the keys must hold, shared by the
    caches of its restarts."""

    whole_trace: bool = False  # the model reads env.trace: every emit is state
    history: bool = False  # it reads env.step_index (or .steps, .live): no key holds


class StateCache:
    """The states a search explored, by key."""

    def __init__(self, learned: Learned | None = None) -> None:
        self.learned = learned if learned is not None else Learned()
        self.whole_trace = self.learned.whole_trace  # as this cache keys states
        self.keying = Keying()
        self.entries: dict[Hashable, list[Entry]] = {}
        self.key_of: Callable[[], Hashable] | None = None  # the current execution's
        self.keyed = 0  # scheduling points whose state was keyed
        self.unkeyed = 0  # and those it could not key
        self.reason = "" if self.keying.available else "this Python is not CPython 3.11+"

    def attach(self, env: Env, holding: Callable[..., Any]) -> None:
        """The execution about to run: its states are keyed from `env` and `holding`."""
        keying, whole = self.keying, self.whole_trace
        self.key_of = lambda: keying.key(env, holding(whole))

    def learn(self, execution: Execution) -> bool:
        """Take in what `execution` showed; True when the states keyed so far left
        out something it showed to matter (the search must start over)."""
        learned = self.learned
        if execution.history_read and not learned.history:
            learned.history = True  # the next cache keys nothing
            return True
        if execution.trace_read and not self.whole_trace:
            learned.whole_trace = True  # the next cache keys the whole trace
            return True
        return False

    def visit(self, sleep: frozenset[str], depth: int) -> Entry | None:
        """Look the current state up before a new scheduling point: raise `CacheHit`
        when an entry covers it, else record and return this visit's entry (None when
        the state cannot be keyed)."""
        if self.key_of is None or not self.keying.available:
            return None
        if self.learned.history:  # every step so far is part of the state
            self.unkeyed += 1
            self.reason = "the model reads env.step_index, env.steps or env.live"
            return None
        try:
            key = self.key_of()
        except Unkeyable as error:
            self.unkeyed += 1
            self.reason = str(error)
            return None
        self.keyed += 1
        entries = self.entries.setdefault(key, [])
        if any(entry.covers(sleep, depth) for entry in entries):
            raise CacheHit
        entry = Entry(sleep, depth)
        entries.append(entry)
        return entry
