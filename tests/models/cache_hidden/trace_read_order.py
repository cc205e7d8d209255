"""Found by a review (stop 26): a process that reads `env.trace` sees the order of
emits, which the state key held only for the kinds trace properties watch: `a` and
`b` each emit once, and the reader, after joining both, records the order it sees.
The states after "a, b" and after "b, a" got one key, the second was cut, and
`a_first` held with `--cache on` (1 execution, 32 cut) where plain enumeration
violates it. Once an execution shows a read of the trace, the search starts over
with a cache that keys the whole trace (`explore.cache.Learned`).

    rasmodel check trace_read_order.py --cache on   # a_first violated
"""

import rasmodel as rm

model = rm.Model("trace-read-order")


@model.build
def build(env):
    seen = env.var("seen", None)

    def a():
        yield env.pause()
        env.emit("a")
        yield env.pause()

    def b():
        yield env.pause()
        env.emit("b")
        yield env.pause()

    def reader(pa, pb):
        yield pa & pb
        seen.value = tuple(e.kind for e in env.trace)

    pa = env.process(a(), name="a")
    pb = env.process(b(), name="b")
    env.process(reader(pa, pb), name="reader")
    return seen


@model.final
def a_first(seen, params):
    assert seen.value == ("a", "b"), f"the reader saw {seen.value}"
