"""Optimal DPOR: on GenMC's synthetic benchmarks the unbounded search runs exactly
one execution per Mazurkiewicz trace (the counts GenMC reports under sequential
consistency), never starts a run it has to abandon, and reaches the same final
states as plain enumeration where that is small enough to run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import rasmodel as rm
from benchmarks import models

GENMC = [
    (models.readers_writer, 2, 4),
    (models.readers_writer, 6, 64),
    (models.lastzero, 5, 64),
    (models.casrot, 4, 14),
    (models.casrot, 5, 43),
    (models.ainc, 4, 24),
    (models.binc, 3, 36),
    (models.cinc, 3, 216),
    (models.cas, 5, 5),
    (models.casw, 3, 66),
    (models.indexer, 12, 8),
    (models.filesystem, 16, 8),
]


@pytest.mark.parametrize(
    ("make", "n", "executions"), GENMC, ids=[f"{m.__name__}-{n}" for m, n, _ in GENMC]
)
def test_dpor_runs_one_execution_per_trace_and_blocks_none(
    make: Callable[[int], rm.Model], n: int, executions: int
) -> None:
    result = rm.check(make(n), minimize=False)
    assert result.exhaustive
    assert (result.stats.executions, result.stats.pruned) == (executions, 0)


@pytest.mark.parametrize(
    ("make", "n"),
    [(models.casrot, 4), (models.casw, 2), (models.lastzero, 3), (models.binc, 2)],
)
def test_dpor_reaches_the_final_states_plain_enumeration_reaches(
    make: Callable[[int], rm.Model], n: int
) -> None:
    reduced = rm.check(make(n), minimize=False, collect_states=True)
    plain = rm.check(make(n), minimize=False, reduction="none", collect_states=True)
    assert reduced.final_states == plain.final_states
