"""Found by a review (stop 26), fixed in c5003ff: CACHE CHANGES A VERDICT: a final property that reads `env.trace`
(same root cause as finding_7, with no process reading the trace).

The final property runs only at the end of an execution, so `env.trace_read` is never
set while states are keyed, and `_Properties.holding` (rasmodel/execution.py) leaves
the events out of every key (no trace property watches them). After both a and b have
emitted, the states with traces "a, b" and "b, a" share a key.

    rasmodel check final_reads_trace.py                              # exit 1: order VIOLATED (4 executions)
    rasmodel check final_reads_trace.py --reduction none             # exit 1: order VIOLATED
    rasmodel check final_reads_trace.py --cache on                   # exit 0: order holds (2 executions, +4 cut)
    rasmodel check final_reads_trace.py --cache on --reduction none  # exit 0: order holds (+24 cut)
    rasmodel check final_reads_trace.py --cross-check --cache on     # exit 2
"""

import rasmodel as rm

model = rm.Model("finding-8-cache-final-reads-trace")


@model.build
def build(env):
    x = env.var("x", 0)

    def a():
        yield env.pause()
        env.emit("a")
        yield env.pause()
        x.value += 1
        yield env.pause()

    def b():
        yield env.pause()
        env.emit("b")
        yield env.pause()
        x.value += 1
        yield env.pause()

    env.process(a(), name="a")
    env.process(b(), name="b")
    return env


@model.final
def order(env, params):
    kinds = [e.kind for e in env.trace]
    assert kinds != ["b", "a"], kinds
