"""Found by a review (stop 26), fixed in c5003ff: UNSOUND (DPOR): `env.trace` hands the model each event's step number,
which reordering independent steps changes.

`a` emits "a" in its first step; `b` takes one step that touches nothing; `c` joins
`a` and records the `step` field of the event it reads from `env.trace` (documented:
"A process may read them", returns TraceEvent records with `step`). Whether b's start
ran before a's first step decides whether the emit is step 0 or step 1. Reading
env.trace is a read of every emit, but b's step emits nothing and touches no key, so
DPOR takes it to commute with a's step and never runs b first.

    rasmodel check trace_step_number.py                    # exit 0: emitted_first holds (2 executions)
    rasmodel check trace_step_number.py --reduction none   # exit 1: emitted_first VIOLATED
                                                   #   ("the emit was step 1"; 45 executions)
    rasmodel check trace_step_number.py --cross-check      # exit 2: verdicts and 3 final states differ

Likely cause: rasmodel/sim/env.py `Env.emit` stores `self._step_index` in the
TraceEvent and `Env.trace` returns it to the model; the step index is not a function
of the Mazurkiewicz trace (the state cache leaves step numbers out of its key for the
same reason: rasmodel/execution.py `_Properties.holding`). Either hide/renumber
`step` in what the model sees, or make a read of env.trace order every step.
Deterministic: no nondeterminism error in either mode.
"""

import rasmodel as rm

model = rm.Model("finding-1-trace-step")


@model.build
def build(env):
    seen = env.var("seen", None)

    def a():
        env.emit("a")
        yield env.pause()

    def b():
        yield env.pause()

    def c(pa):
        yield pa
        seen.value = env.trace[0].step

    pa = env.process(a(), name="a")
    env.process(b(), name="b")
    env.process(c(pa), name="c")
    return seen


@model.final
def emitted_first(seen, params):
    assert seen.value == 0, f"the emit was step {seen.value}"
