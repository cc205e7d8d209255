"""Found by a review (stop 26): state in a module of a namespace package next to
the model (a directory without __init__.py: cachehidden_ns/state.py) is not in the
state key: `_own_module` wants a `__file__`, which a namespace package has not, so
`cachehidden_ns` is keyed by its name and its submodule is never reached. (With an
__init__.py, as cachehidden_pkg, it is keyed.)

Before the fix (72db384, CPython 3.11.7):

rasmodel check namespace_package.py --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check namespace_package.py --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3 unkeyed=0
rasmodel check namespace_package.py --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check namespace_package.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'namespace-package': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are reach
"""

import cachehidden_ns.state

import rasmodel as rm

model = rm.Model("namespace-package")


@model.build
def build(env):
    cachehidden_ns.state.reset()
    seen = env.var("seen", 0)

    def worker():
        if env.maybe("error"):
            cachehidden_ns.state.errors[0] += 1
        yield env.pause("p")
        seen.value = cachehidden_ns.state.errors[0]

    env.process(worker(), name="w")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
