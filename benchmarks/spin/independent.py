"""N independent processes of K steps each (the rasmodel side of `spin_compare.py`).

Process i increments its own variable x<i> once per step, K steps in all; no two
processes share anything, so there is nothing to violate: every property holds and
there is no deadlock. Without a partial-order reduction a stateless explorer still
runs every interleaving, (n*k)! / (k!)^n executions; SPIN's partial-order reduction
collapses its twin (`INDEPENDENT_PML` in `benchmarks/spin/promela.py`) to one order.

    rasmodel check benchmarks/spin/independent.py -D n=3 -D k=3
"""

import rasmodel as rm

model = rm.Model("spin-independent", params={"n": 2, "k": 3}, doc=__doc__)


@model.build
def build(env: rm.Env, n: int, k: int):
    def proc(v):
        v.value += 1  # step 1 (the start step)
        for _ in range(k - 1):
            yield env.pause("step")
            v.value += 1  # steps 2..k

    xs = [env.var(f"x{i}", 0) for i in range(n)]
    for i, v in enumerate(xs):
        env.process(proc(v), name=f"p{i}")
    return xs


@model.final
def all_done(xs, params):
    """Every process made its K steps."""
    assert all(v.value == params["k"] for v in xs), [v.value for v in xs]
