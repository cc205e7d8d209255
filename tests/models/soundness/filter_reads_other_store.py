"""Found by a review (stop 26), fixed in c5003ff: UNSOUND (DPOR): a FilterStore filter that reads another SimPy
resource's list reads it untracked.

`S1` holds an item; `getter` asks for it with a filter that requires `S2` to be
empty; `other` puts into `S2`. If other runs first, the filter fails and getter
waits for ever: a deadlock. The filter runs inside SimPy's resource code
(`_trigger_get`, wrapped by rasmodel/sim/env.py `_internal`, which raises
`env._resource_depth`), and `_ResourceList.__get__` returns the raw list without
recording a read whenever `_resource_depth` is non-zero -- also for a *different*
resource than the one whose code is running. So getter's step only touches S1's key,
other's step only S2's, and DPOR explores one order.

    rasmodel check filter_reads_other_store.py                    # exit 0: deadlock holds (1 execution)
    rasmodel check filter_reads_other_store.py --reduction none   # exit 1: deadlock VIOLATED
                                                   #   (getter waits for get on build/FilterStore.0)
    rasmodel check filter_reads_other_store.py --cross-check      # exit 2

README: "Reads of a SimPy resource's state (len(store.items), ...) are tracked like
reads of an env.var". Fix: only skip recording for the resource whose code is running
(e.g. track depth per resource), not for every resource of the env.
"""

import simpy

import rasmodel as rm

model = rm.Model("finding-6-filter-reads-other-store")


@model.build
def build(env):
    S1 = simpy.FilterStore(env)
    S2 = simpy.Store(env)
    S1.put("item")

    def getter():
        yield env.pause()
        yield S1.get(lambda item: len(S2.items) == 0)

    def other():
        yield env.pause()
        S2.put("x")

    env.process(getter(), name="getter")
    env.process(other(), name="other")
