"""Plain enumeration (`reduction="none"`) explores exactly every interleaving, once."""

from __future__ import annotations

from math import factorial

import pytest

import rasmodel as rm


def _independent(n: int, k: int) -> tuple[rm.Model, list[tuple[str, ...]]]:
    """N processes of K steps each; each step appends the actor to a private log."""
    model = rm.Model("independent", params={"n": n, "k": k})
    finals: list[tuple[str, ...]] = []
    log: list[str] = []

    @model.build
    def build(env: rm.Env, n: int, k: int):
        log.clear()

        def proc(i: int):
            for _ in range(k - 1):
                log.append(f"p{i}")
                yield env.pause()
            log.append(f"p{i}")

        for i in range(n):
            env.process(proc(i), name=f"p{i}")

    @model.final
    def record(system, params):
        finals.append(tuple(log))

    return model, finals


def multinomial(n: int, k: int) -> int:
    return factorial(n * k) // factorial(k) ** n


@pytest.mark.parametrize(("n", "k"), [(1, 3), (2, 2), (2, 3), (3, 2), (3, 3), (4, 2)])
def test_plain_dfs_explores_the_multinomial_number_of_interleavings(n: int, k: int) -> None:
    model, finals = _independent(n, k)
    result = rm.check(model, reduction="none")
    assert result.stats.executions == multinomial(n, k)
    assert result.stats.steps == multinomial(n, k) * n * k
    # Each interleaving once, plus the determinism probe's replay of the first one.
    assert len(set(finals)) == multinomial(n, k)
    assert len(finals) == multinomial(n, k) + 1
    assert result.exhaustive
    assert all(v == "holds" for v in result.verdicts.values())


def test_max_executions_bounds_the_search_and_says_so() -> None:
    model, _ = _independent(3, 3)
    result = rm.check(model, reduction="none", max_executions=10)
    assert result.stats.executions == 10
    assert not result.exhaustive
    assert set(result.verdicts.values()) == {"no-violation-found"}
    assert result.stopped_by == "max-executions"


def test_preemption_bound_zero_runs_each_process_to_its_end() -> None:
    model, finals = _independent(3, 2)
    result = rm.check(model, reduction="none", preemption_bound=0)
    # With no preemption, the only switches are at process ends: 3! orders.
    assert result.stats.executions == 6
    assert not result.exhaustive


def test_iterative_context_bounding_runs_every_execution_once() -> None:
    model, finals = _independent(2, 3)
    result = rm.check(model, reduction="none", preemption_bound=10)
    assert result.stats.executions == multinomial(2, 3)
    assert len(set(finals)) == len(finals) - 1 == multinomial(2, 3)
    assert result.exhaustive
