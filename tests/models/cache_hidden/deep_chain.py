"""Found by a review (stop 26): keying a linked chain of ~200 objects exceeds Python's recursion
limit, and rasmodel stops with "internal error: RecursionError" (exit 2) instead of
treating the state as unkeyable. It happens with `--cache on`, and also WITHOUT the
cache when an execution spins to --max-depth (the livelock confirmation keys states
with the same code). -D n=N: length of the chain; -D spin=True: a process polls a
flag nobody sets (a livelock).

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check deep_chain.py --cache off --format json --no-minimize
    exit 0: livelock=holds; executions=1 pruned=0 cached=0 keyed=0
rasmodel check deep_chain.py --cache on --format json --no-minimize
    exit 2: rasmodel: internal error: RecursionError: maximum recursion depth exceeded. This is a bug in rasmodel, not in your model; rerun with --debug for the traceback and report it.
rasmodel check deep_chain.py --reduction none --format json --no-minimize
    exit 0: livelock=holds; executions=1 pruned=0 cached=0 keyed=0
rasmodel check deep_chain.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: internal error: RecursionError: maximum recursion depth exceeded. This is a bug in rasmodel, not in your model; rerun with --debug for the traceback a
rasmodel check deep_chain.py -D spin=True --cache off --format json --no-minimize
    exit 2: rasmodel: internal error: RecursionError: maximum recursion depth exceeded. This is a bug in rasmodel, not in your model; rerun with --debug for the traceback and report it.
rasmodel check deep_chain.py -D spin=True --cache on --format json --no-minimize
    exit 2: rasmodel: internal error: RecursionError: maximum recursion depth exceeded. This is a bug in rasmodel, not in your model; rerun with --debug for the traceback and report it.
rasmodel check deep_chain.py -D spin=True --reduction none --format json --no-minimize
    exit 2: rasmodel: internal error: RecursionError: maximum recursion depth exceeded. This is a bug in rasmodel, not in your model; rerun with --debug for the traceback and report it.
rasmodel check deep_chain.py -D spin=True --cache on --cross-check --no-minimize
    exit 2: rasmodel: internal error: RecursionError: maximum recursion depth exceeded in comparison. This is a bug in rasmodel, not in your model; rerun with --debug for t
"""

import rasmodel as rm

model = rm.Model("deep-chain", params={"n": 200, "spin": False})


class Page:
    def __init__(self, next_page):
        self.next = next_page


@model.build
def build(env, n, spin):
    flag = env.var("flag", 0)
    free_list = None
    for _ in range(n):
        free_list = Page(free_list)

    def worker():
        while spin and flag.value == 0:
            yield env.pause("poll")
        yield env.pause("p")
        flag.value = 1 if free_list is not None else 0

    env.process(worker(), name="w")
    return flag
