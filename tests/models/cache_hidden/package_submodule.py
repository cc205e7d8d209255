"""Found by a review (stop 26): state in a submodule of a package next to the model, used as
`import pkg.mod` / `pkg.mod.x`, is not in the state key (cachehidden_pkg/state.py).

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check package_submodule.py --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check package_submodule.py --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check package_submodule.py --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check package_submodule.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'package-submodule': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s)
"""

import cachehidden_pkg.state

import rasmodel as rm

model = rm.Model("package-submodule")


@model.build
def build(env):
    cachehidden_pkg.state.reset()
    seen = env.var("seen", 0)

    def worker():
        if env.maybe("error"):
            cachehidden_pkg.state.errors[0] += 1
        yield env.pause("p")
        seen.value = cachehidden_pkg.state.errors[0]

    env.process(worker(), name="w")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
