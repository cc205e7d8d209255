"""Lost update with N workers (the rasmodel side of `benchmarks/spin_compare.py`).

Each worker reads the shared counter (one step), reaches a scheduling point, and
writes back read + 1 (a second step). Two workers can read the same value, so the
final count `counter == n` is VIOLATED for every n >= 2. The Promela twin is
`LOST_UPDATE_PML` in `benchmarks/spin/promela.py`.

    rasmodel check benchmarks/spin/lost_update.py -D n=3
"""

import rasmodel as rm

model = rm.Model("spin-lost-update", params={"n": 2}, doc=__doc__)


@model.build
def build(env: rm.Env, n: int):
    counter = env.var("counter", 0)

    def worker():
        tmp = counter.value  # step 1: read
        yield env.pause("after read")
        counter.value = tmp + 1  # step 2: write back

    for i in range(n):
        env.process(worker(), name=f"w{i}")
    return counter


@model.final
def all_counted(counter, params):
    """Every worker's increment is in the final count."""
    assert counter.value == params["n"], f"counter is {counter.value}, expected {params['n']}"
