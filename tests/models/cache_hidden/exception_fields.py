"""Found by a review (stop 26): an exception object is keyed by its args and __dict__ only: its
__cause__ / __context__ and C-level fields set after creation (OSError.errno,
StopIteration.value, ...) are not in the state key. -D what=cause | errno.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check exception_fields.py -D what=cause --cache off --format json --no-minimize
    exit 1: plain_error=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check exception_fields.py -D what=cause --cache on --format json --no-minimize
    exit 0: plain_error=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check exception_fields.py -D what=cause --reduction none --format json --no-minimize
    exit 1: plain_error=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check exception_fields.py -D what=cause --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'exception-fields': plain_error is holds with dpor and the state cache but violated without; 1 final state(s) ar
rasmodel check exception_fields.py -D what=errno --cache off --format json --no-minimize
    exit 1: plain_error=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check exception_fields.py -D what=errno --cache on --format json --no-minimize
    exit 0: plain_error=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check exception_fields.py -D what=errno --reduction none --format json --no-minimize
    exit 1: plain_error=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check exception_fields.py -D what=errno --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'exception-fields': plain_error is holds with dpor and the state cache but violated without; 1 final state(s) ar
"""

import rasmodel as rm

model = rm.Model("exception-fields", params={"what": "cause"})


@model.build
def build(env, what):
    seen = env.var("seen", 0)
    err = OSError(5, "EIO")

    def worker():
        if env.maybe("chain"):
            if what == "cause":
                err.__cause__ = KeyError("first")
            else:
                err.errno = 133  # EHWPOISON
        yield env.pause("p")
        seen.value = int(err.__cause__ is not None or err.errno != 5)

    env.process(worker(), name="w")
    return seen


@model.final
def plain_error(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
