"""Happens-before over one execution, its races, and the initials of a reversed race.

Vector clocks (Flanagan and Godefroid, POPL 2005) order the steps of an execution by
program order, by the step that triggered the event a step resumed on, by
dependence of tracked footprints, and by simulated time (every step at a later time
comes after every step at an earlier one). Races and initials follow the source-set
definitions of Abdulla et al., "Optimal Dynamic Partial Order Reduction", POPL 2014.

A `wait_until` step is a *blocking* read: the writes that made its guard false are
as relevant as the last one that made it true, so a guard step races with every
write to its guard's keys that is concurrent with the start of the wait (the
treatment of disabled transitions in Flanagan and Godefroid's algorithm), even one
at an earlier simulated time: the guard may have been enabled then. Guards still
waiting when the execution ended take part as virtual steps at its end: *partial*
steps, of which only the guard is known (once it passes, the step goes on to do what
it does), so no step is taken to commute with one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

Clock = dict[str, int]
ENDS = "@ends"  # written by a step that raised: nothing runs after it


@dataclass(slots=True)
class Access:
    """The part of a step (or of a run of steps of one actor) the reduction needs:
    who, what it touched, what enabled it.

    Treated as immutable (not frozen: one is built per step)."""

    actor: str
    reads: frozenset[str]
    writes: frozenset[str]
    causes: tuple[int, ...] = ()  # the steps that triggered what it resumed on
    time: float = 0
    guard: frozenset[str] | None = None
    wild: bool = False  # a step that never ran (its process was enabled when the
    # execution stopped): it could touch anything, so it conflicts with every step
    enabled_by: tuple[int, ...] | None = None  # what its first step resumed on
    # (None: `causes`); a run cannot move before the step that made it possible
    partial: bool = False  # a guard still waiting when the execution ended: only
    # its guard is known; what the step does once the guard passes is not, so it
    # conflicts with every step (its races are still those of its guard's keys)

    def enablers(self) -> tuple[int, ...]:
        return self.causes if self.enabled_by is None else self.enabled_by

    def as_partial(self) -> Access:
        """The same access, as a step of which only the guard is known (`partial`);
        built directly: `dataclasses.replace` costs several times as much."""
        return Access(
            self.actor,
            self.reads,
            self.writes,
            self.causes,
            self.time,
            self.guard,
            self.wild,
            self.enabled_by,
            True,
        )

    def conflicts(self, other: Access) -> bool:
        """Dependent: one writes what the other reads or writes."""
        if self.wild or other.wild or self.partial or other.partial:
            return True
        return not (
            self.writes.isdisjoint(other.reads)
            and self.writes.isdisjoint(other.writes)
            and other.writes.isdisjoint(self.reads)
        )


def independent(a: tuple[frozenset[str], frozenset[str]], b: Access) -> bool:
    """Whether a recorded footprint (reads, writes) commutes with step `b`."""
    reads, writes = a
    if b.wild or b.partial:
        return False
    return writes.isdisjoint(b.reads) and writes.isdisjoint(b.writes) and b.writes.isdisjoint(reads)


class HappensBefore:
    """Vector clocks of every step of one execution, and of its virtual steps: the
    steps from `real` on never ran (pending processes and guards at the end); each
    is ordered after the steps that ran, never after another virtual one."""

    def __init__(
        self, steps: Sequence[Access], real: int | None = None, base: HappensBefore | None = None
    ) -> None:
        self.steps = list(steps)
        self.real = len(self.steps) if real is None else real
        self.clocks: list[Clock] = []
        self.preds: list[list[int]] = []
        self.barriers: list[Clock | None] = []
        self.writers: dict[str, list[int]] = {}  # every step that wrote each key
        self._compute(self._shared(base) if base is not None else 0)

    def _shared(self, base: HappensBefore) -> int:
        """How many leading steps are equal to `base`'s and ran in both: their clocks
        depend only on the steps before them, so they are taken over, not rebuilt
        (consecutive executions of a depth-first search share their prefix)."""
        limit = min(self.real, base.real)
        mine, theirs = self.steps, base.steps
        shared = 0
        while shared < limit and (mine[shared] is theirs[shared] or mine[shared] == theirs[shared]):
            shared += 1
        self.clocks = base.clocks[:shared]  # never changed once built
        self.preds = base.preds[:shared]
        self.barriers = base.barriers[:shared]
        return shared

    def _compute(self, shared: int) -> None:
        last_of: dict[str, int] = {}
        last_write: dict[str, int] = {}
        readers: dict[str, list[int]] = {}
        barrier: Clock = {}
        time = None
        for j, step in enumerate(self.steps):
            if j < shared:  # its clock is known: only what later steps need from it
                time = step.time if time is None else max(time, step.time)
                barrier = self.barriers[j] or {}
                self._record(j, step, last_of, last_write, readers)
                continue
            if time is not None and step.time > time:
                barrier = _join_all(self.clocks)
            time = step.time if time is None else max(time, step.time)
            preds: list[int] = []
            if step.wild:
                preds.extend(last_of.values())  # every actor's last step: all of them
            if step.actor in last_of:
                preds.append(last_of[step.actor])
            preds.extend(step.causes)
            for key in step.reads | step.writes:
                w = last_write.get(key)
                if w is not None:
                    preds.append(w)
            for key in step.writes:
                preds.extend(readers.get(key, ()))
            clock: Clock = dict(barrier)
            for i in set(preds):
                _join(clock, self.clocks[i])
            clock[step.actor] = j
            self.clocks.append(clock)
            self.preds.append(sorted(set(preds)))
            self.barriers.append(barrier if barrier else None)
            if j < self.real:
                self._record(j, step, last_of, last_write, readers)

    def _record(
        self,
        j: int,
        step: Access,
        last_of: dict[str, int],
        last_write: dict[str, int],
        readers: dict[str, list[int]],
    ) -> None:
        """Step j ran: the last step of its actor, of a write to each key it wrote, and
        a reader of the keys it only read."""
        last_of[step.actor] = j
        for key in step.writes:
            last_write[key] = j
            readers[key] = []
            self.writers.setdefault(key, []).append(j)
        for key in step.reads - step.writes:
            readers.setdefault(key, []).append(j)

    def hb(self, i: int, j: int) -> bool:
        """Step i happens before step j (or is j)."""
        return self.clocks[j].get(self.steps[i].actor, -1) >= i

    def races(self, start: int = 0) -> Iterator[tuple[int, int]]:
        """Pairs (i, j), i < j, j >= start, of dependent steps of different actors that
        could be reordered: no other step is between them in happens-before, and j was
        not enabled by i. Guard steps race with every concurrent write to their keys."""
        for j in range(start, len(self.steps)):
            yield from self._races_of(j, self.steps[j])

    def _races_of(self, j: int, step: Access) -> Iterator[tuple[int, int]]:
        preds = self.preds[j]
        steps, clocks = self.steps, self.clocks  # `hb` inlined: the hottest loop
        enablers = step.enablers()
        barrier = self.barriers[j]
        seen: set[int] = set()
        for i in preds:
            other = steps[i]
            actor = other.actor
            if actor == step.actor or i in enablers or not other.conflicts(step):
                continue
            if barrier is not None and barrier.get(actor, -1) >= i:
                continue
            if any(d != i and clocks[d].get(actor, -1) >= i for d in preds):
                continue
            seen.add(i)
            yield (i, j)
        if step.guard:
            yield from self._guard_races(j, step, seen)

    def _guard_races(self, j: int, step: Access, seen: set[int]) -> Iterator[tuple[int, int]]:
        keys = step.guard or frozenset()
        start = max((d for d in self.preds[j] if self.steps[d].actor == step.actor), default=-1)
        candidates = sorted({i for key in keys for i in self.writers.get(key, ()) if i < j})
        for i in candidates:
            other = self.steps[i]
            if i in seen or other.actor == step.actor or i in step.enablers():
                continue
            # Not filtered by time: the guard may have been enabled at the earlier
            # time, before the write; only a write before the wait began is ordered.
            if start >= 0 and self.hb(i, start):
                continue
            yield (i, j)

    def notdep(self, i: int, j: int) -> list[int]:
        """`notdep(i, E).j`: the steps after i that do not depend on i, then j (the
        order that reverses the race of i and j)."""
        actor, clocks = self.steps[i].actor, self.clocks
        return [k for k in range(i + 1, min(j, self.real)) if clocks[k].get(actor, -1) < i] + [j]

    def displaced_races(self, at: int, step: Access) -> Iterator[list[int]]:
        """Races of a step that could have run just before step `at`, and did not.

        An actor asleep at a branch point stays asleep while what runs commutes with
        its next step; a step that writes what that next step reads wakes it, and from
        then on its next step may touch other keys (it may branch on the value read).
        The step it would have taken before the waking one belongs to executions
        explored below a sibling, but its races with the steps that follow here are
        found in none of them. Yields, for each step j it races with, the order that
        reverses the race, `notdep(step, E).j`, as step indices."""
        after: list[int] = []  # the steps that depend on it, directly or not
        steps, clocks = self.steps, self.clocks
        for k in range(at, len(steps)):
            other = steps[k]
            if other.time > step.time:
                break  # later in simulated time: ordered after it whatever happens
            clock = clocks[k]  # `hb(d, k)` inlined
            through = any(clock.get(steps[d].actor, -1) >= d for d in after)
            direct = other.actor != step.actor and step.conflicts(other)
            if direct and not through and k > at:  # (with step `at`: this order)
                yield [n for n in range(at, min(k, self.real)) if n not in after] + [k]
            if direct or through:
                after.append(k)

    def initials(self, sequence: list[int]) -> list[str]:
        """Actors that can start `sequence` (step indices in execution order): an actor
        is initial when its first step there is ordered after none of the earlier
        steps there."""
        first: dict[str, int] = {}
        result: list[str] = []
        for k in sequence:
            actor = self.steps[k].actor
            if actor in first:
                continue
            if not any(self.ordered(i, k) for i in first.values()):
                result.append(actor)
            first[actor] = k
        return result

    def ordered(self, i: int, j: int) -> bool:
        """Step i, earlier in the execution, must stay before step j when the steps are
        reordered: i happens before j, or j is a partial step (see `Access.partial`:
        nothing that ran before it can be shown to commute with it)."""
        return self.steps[j].partial or self.hb(i, j)


def _join(into: Clock, other: Clock) -> None:
    for actor, index in other.items():
        if into.get(actor, -1) < index:
            into[actor] = index


def _join_all(clocks: Sequence[Clock]) -> Clock:
    joined: Clock = {}
    for clock in clocks:
        _join(joined, clock)
    return joined


def foata_form(steps: Sequence[Access], names: Sequence[object]) -> tuple[object, ...]:
    """A canonical form of the execution's Mazurkiewicz trace (its Foata normal form):
    each step is placed in the layer one past its deepest happens-before predecessor,
    and identified by its actor, its number within the actor and `names[j]` (what it
    chose). Two executions are equivalent exactly when their forms are equal."""
    order = HappensBefore(steps)
    layers: list[int] = []
    count: dict[str, int] = {}
    floor = 0
    time = None
    form = []
    for j, step in enumerate(order.steps):
        if time is not None and step.time > time:
            floor = max(layers, default=0) + 1
        time = step.time
        layer = max([floor, *(layers[p] + 1 for p in order.preds[j])])
        layers.append(layer)
        index = count.get(step.actor, 0)
        count[step.actor] = index + 1
        form.append((layer, step.actor, index, names[j]))
    return tuple(sorted(form, key=repr))
