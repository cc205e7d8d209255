"""Found by a review (stop 26): a global of the model file changed through a method is not in the state key.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check global_via_method.py --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check global_via_method.py --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check global_via_method.py --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check global_via_method.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'global-via-method': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s)
"""

import rasmodel as rm

model = rm.Model("global-via-method")
errors = 0  # module-level state of the model file


class Ghes:
    def report(self):
        global errors
        errors += 1

    def count(self):
        return errors


@model.build
def build(env):
    global errors
    errors = 0
    ghes = Ghes()
    seen = env.var("seen", 0)

    def nmi():
        if env.maybe("error"):
            ghes.report()  # only the method's code names `errors`
        yield env.pause("p")  # both choices meet here, differing only in `errors`
        seen.value = ghes.count()

    env.process(nmi(), name="nmi")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
