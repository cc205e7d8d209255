"""The causal slice of a counterexample: the steps that happen before its violation.

A step happens before the violating step when a chain of dependences leads from it
to that step: the same process, a step that triggered the event the next one resumed
on, or tracked state one writes and the other reads or writes (the footprints the
reduction uses). Everything else could have run later, or not at all, without
changing what the violating step saw, so a reviewer can skip it.
"""

from __future__ import annotations

from rasmodel.execution import Execution


def causal_slice(
    execution: Execution,
    step: int,
    observes: frozenset[str] | None = frozenset(),
    reads: frozenset[str] = frozenset(),
) -> set[int]:
    """The indices of the steps that happen before step `step`, and `step` itself.

    `reads` are tracked keys the property read when it failed (an invariant reads
    state the violating step need not touch): steps that wrote them count too. A
    step that emitted a kind in `observes` (None: any kind), which the violated
    trace property reads, counts as a dependence as well. With `step` -1 (a verdict
    reached at the end), the slice of every step that emitted such a kind; all steps
    when the property reads no emitted kind (a final property, a deadlock)."""
    steps = execution.steps
    if 0 <= step < len(steps):
        return _slice(execution, step, observes, reads)
    if observes is not None and not observes:
        return set(range(len(steps)))
    kept: set[int] = set()
    for index in range(len(steps) - 1, -1, -1):
        if index not in kept and _observed(steps[index].emits, observes):
            kept |= _slice(execution, index, observes)
    return kept


def _slice(
    execution: Execution,
    step: int,
    observes: frozenset[str] | None,
    read: frozenset[str] = frozenset(),
) -> set[int]:
    steps = execution.steps
    chosen = {step}
    last = steps[step]
    actors = {last.actor}
    reads, writes = set(last.reads) | read, set(last.writes)
    causes = {last.cause}
    for index in range(step - 1, -1, -1):
        candidate = steps[index]
        dependent = (
            candidate.actor in actors
            or index in causes
            or not writes.isdisjoint(candidate.reads)
            or not candidate.writes.isdisjoint(reads)
            or not candidate.writes.isdisjoint(writes)
            or _observed(candidate.emits, observes)
        )
        if dependent:
            chosen.add(index)
            actors.add(candidate.actor)
            reads |= candidate.reads
            writes |= candidate.writes
            causes.add(candidate.cause)
    return chosen


def _observed(emits: frozenset[str], observes: frozenset[str] | None) -> bool:
    if not emits:
        return False
    return observes is None or not emits.isdisjoint(observes)
