"""Found by a review (stop 26): a builtin function is keyed by its __name__ only when it belongs to a
module, so math.log and cmath.log (math.sqrt and cmath.sqrt, ...) get the same key.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check builtin_by_name.py --cache off --format json --no-minimize
    exit 1: real_log=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check builtin_by_name.py --cache on --format json --no-minimize
    exit 0: real_log=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check builtin_by_name.py --reduction none --format json --no-minimize
    exit 1: real_log=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check builtin_by_name.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'builtin-by-name': real_log is holds with dpor and the state cache but violated without; 1 final state(s) are re
"""

import cmath
import math

import rasmodel as rm

model = rm.Model("builtin-by-name")


@model.build
def build(env):
    seen = env.var("seen", 0)

    def worker(log=math.log):  # bound from the start
        if env.maybe("complex"):
            log = cmath.log
        yield env.pause("p")
        seen.value = int(isinstance(log(1), complex))

    env.process(worker(), name="w")
    return seen


@model.final
def real_log(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
