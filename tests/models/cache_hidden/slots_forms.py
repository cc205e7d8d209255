"""Found by a review (stop 26): slots are missed when `__slots__` is a single string (`__slots__ = "count"`)
or a private, name-mangled name (`__slots__ = ("__count",)`). -D form=string | mangled.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check slots_forms.py -D form=string --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check slots_forms.py -D form=string --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check slots_forms.py -D form=string --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check slots_forms.py -D form=string --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'slots': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are reached
rasmodel check slots_forms.py -D form=mangled --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check slots_forms.py -D form=mangled --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check slots_forms.py -D form=mangled --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check slots_forms.py -D form=mangled --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'slots': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are reached
"""

import rasmodel as rm

model = rm.Model("slots", params={"form": "string"})


class Counter:
    __slots__ = "count"  # one slot, named by a string

    def __init__(self):
        self.count = 0

    def get(self):
        return self.count


class Private:
    __slots__ = ("__count",)  # stored as _Private__count

    def __init__(self):
        self.__count = 0

    def bump(self):
        self.__count += 1

    def get(self):
        return self.__count


@model.build
def build(env, form):
    seen = env.var("seen", 0)
    c = Counter() if form == "string" else Private()

    def worker():
        if env.maybe("error"):
            if form == "string":
                c.count += 1
            else:
                c.bump()
        yield env.pause("p")
        seen.value = c.get()

    env.process(worker(), name="w")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
