"""Found by a review (stop 26): a helper module next to the model that is imported
inside a function (`import cachehidden_local` in the function body, a common way to
avoid an import cycle) is not in the state key: it is not a global of the model's
module, and the function's code names it as a local.

Before the fix (72db384, CPython 3.11.7):

rasmodel check local_import.py --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check local_import.py --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3 unkeyed=0
rasmodel check local_import.py --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check local_import.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'local-import': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are reached on
"""

import rasmodel as rm

model = rm.Model("local-import")


def record_error():
    import cachehidden_local

    cachehidden_local.errors[0] += 1


def errors():
    import cachehidden_local

    return cachehidden_local.errors[0]


def reset():
    import cachehidden_local

    cachehidden_local.errors[0] = 0


@model.build
def build(env):
    reset()
    seen = env.var("seen", 0)

    def worker():
        if env.maybe("error"):
            record_error()
        yield env.pause("p")
        seen.value = errors()

    env.process(worker(), name="w")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
