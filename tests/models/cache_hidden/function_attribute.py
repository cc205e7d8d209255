"""Found by a review (stop 26): attributes of a function object (`fn.calls += 1`) are not in the state key.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check function_attribute.py --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check function_attribute.py --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check function_attribute.py --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check function_attribute.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'function-attribute': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s
"""

import rasmodel as rm

model = rm.Model("function-attribute")


def report():
    report.calls += 1


report.calls = 0


@model.build
def build(env):
    report.calls = 0
    seen = env.var("seen", 0)

    def worker():
        if env.maybe("error"):
            report()
        yield env.pause("p")
        seen.value = report.calls

    env.process(worker(), name="w")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
