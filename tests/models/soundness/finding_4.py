"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 4 -- UNSOUND: reads of a SimPy resource's state (`len(store.items)`,
`container.level`, `resource.count`) are not tracked.

Class: DPOR misses a violation (unsound); --cross-check reports it as "untracked
state", although the state is a SimPy resource built on the env, which README says
is tracked ("SimPy resources built on the env ... all work"; state.py: "Make every
SimPy resource ... built on an Env tracked"). Only _trigger_put/_trigger_get and
cancel() record a footprint; attribute reads record nothing.

    rasmodel check finding_4.py --reduction dpor   # exit 0: holds, 1 execution
    rasmodel check finding_4.py --reduction none   # exit 1: peeked_before_put VIOLATED

The same happens with C.level of a simpy.Container and R.count of a simpy.Resource
(a random program reading them).
"""

import simpy

import rasmodel as rm

model = rm.Model("finding-4-resource-reads")


@model.build
def build(env):
    S = simpy.Store(env)
    seen = env.var("seen", -1)

    def producer():
        yield S.put("x")

    def peeker():
        seen.value = len(S.items)
        yield env.pause()

    env.process(producer(), name="producer")
    env.process(peeker(), name="peeker")
    return seen


@model.final
def peeked_before_put(seen, params):
    assert seen.value != 0, "peeker saw an empty store"
