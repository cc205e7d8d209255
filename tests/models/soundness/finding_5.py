"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 5 -- UNSOUND: a step that raises ends the execution, and DPOR never
learns about the processes that did not run (nor about the failing step itself).

Class: DPOR misses a violation (unsound).

An execution whose step raises (an assert, any exception, an uncaught
simpy.Interrupt) stops at once (ExitReason.FAILED). The failing step is not appended
to env.steps (StepFailed is raised before), and processes still enabled never ran,
so the race analysis sees no step of theirs: the trace is not maximal, and source
sets cannot reverse races with steps that never appear. Plain enumeration tries every
enabled actor at every point and finds them.

Here the first execution runs a to its failing assert before b ever starts; DPOR
stops after that one execution and reports `exception` as holds (exhaustive),
although b raises RuntimeError whenever it runs first.

    rasmodel check finding_5.py --reduction dpor   # exit 1, but: exception holds (1 execution)
    rasmodel check finding_5.py --reduction none   # exit 1: assertion AND exception VIOLATED

"""

import rasmodel as rm

model = rm.Model("finding-5-failed-step-hides-others")


@model.build
def build(env):
    x = env.var("x", 0)

    def a():
        yield env.pause()
        assert x.value == 1, "b has not run yet"

    def b():
        x.value = 1
        yield env.pause()
        raise RuntimeError("b fails")

    env.process(a(), name="a")
    env.process(b(), name="b")
    return x
