"""Found by a review (stop 26), fixed: UNSOUND (DPOR): an invariant that reads `env.peek()` and a var misses
the order in which the var is written before the timer is scheduled.

`a` schedules `env.timeout(1)`, `b` writes x; the invariant fails in the state after
b's write when no timer is due yet (b before a). The invariant's reads are
{x, @timers}; rasmodel/explore/dpor.py `Visibility.access` marks a step VISIBLE only
when its raw `step.writes` meet `observed`, and a step that schedules a timer has
`step.timers`, never TIMERS_KEY in `step.writes` (TIMERS_KEY is only added to the
access's `extra` writes). So a's step and b's step do not conflict and DPOR runs one
order (a first).

    rasmodel check invariant_reads_peek.py                    # exit 0: timer_before_x holds (1 execution)
    rasmodel check invariant_reads_peek.py --reduction none   # exit 1: timer_before_x VIOLATED
    rasmodel check invariant_reads_peek.py --cross-check      # exit 2

(The same model with `env.trace` instead of `env.peek()` and an emit instead of the
timer is explored in both orders.)
"""

import rasmodel as rm

model = rm.Model("finding-12-invariant-reads-peek")


@model.build
def build(env):
    x = env.var("x", 0)

    def a():
        yield env.pause()
        env.timeout(1)

    def b():
        yield env.pause()
        x.value = 1

    env.process(a(), name="a")
    env.process(b(), name="b")
    return {"x": x, "env": env}


@model.invariant
def timer_before_x(s, params):
    return not (s["x"].value == 1 and s["env"].peek() != 1)
