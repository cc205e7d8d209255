"""Found by a review (stop 26): a reference to the generator's own code object on its value stack (or
in a local) makes the frame reader drop every slot before it: here the iterator of
the enclosing `for` loop, so the second iteration looks like the first.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check code_on_stack.py --cache off --format json --no-minimize
    exit 1: waits_at_most_once=violated, livelock=holds; executions=4 pruned=0 cached=0 keyed=0
rasmodel check code_on_stack.py --cache on --format json --no-minimize
    exit 0: waits_at_most_once=holds, livelock=holds; executions=2 pruned=0 cached=1 keyed=3
rasmodel check code_on_stack.py --reduction none --format json --no-minimize
    exit 1: waits_at_most_once=violated, livelock=holds; executions=4 pruned=0 cached=0 keyed=0
rasmodel check code_on_stack.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'code-on-stack': waits_at_most_once is holds with dpor and the state cache but violated without; 1 final state(s
"""

import rasmodel as rm

model = rm.Model("code-on-stack")


def log(*args):
    return None


@model.build
def build(env):
    waits = env.var("waits", 0)

    def worker():
        for _ in [0, 0]:
            if env.maybe("wait"):
                waits.value += 1
                log(worker.__code__, (yield env.pause("p")))

    env.process(worker(), name="w")
    return waits


@model.final
def waits_at_most_once(waits, params):
    assert waits.value <= 1, f"waits={waits.value}"
