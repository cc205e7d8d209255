"""Found by a review (stop 26): a generator's locals are keyed in the
order of its f_locals dict, which depends on when the frame's locals were first
read (a local bound after the first key goes last, a local bound before it goes
first), so equal states get different keys after a replayed prefix. With
`def worker(x=0)` (x bound from the start) the second execution is cut.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check locals_order.py --cache off --format json --no-minimize
    exit 0: livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check locals_order.py --cache on --format json --no-minimize
    exit 0: livelock=holds; executions=2 pruned=0 cached=0 keyed=3
rasmodel check locals_order.py --reduction none --format json --no-minimize
    exit 0: livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check locals_order.py --cache on --cross-check --no-minimize
    exit 0: no error
"""

import rasmodel as rm

model = rm.Model("locals-order")


@model.build
def build(env):
    seen = env.var("seen", 0)

    def worker():
        env.maybe("either")  # both options lead to the same state
        x = 1
        yield env.pause("p")
        seen.value = x

    env.process(worker(), name="w")
    return seen
