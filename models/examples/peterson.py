"""Peterson's mutual exclusion for two processes.

Each process raises its flag, gives the turn away, then waits until the other's flag
is down or the turn is its own. `-D broken=true` gives the turn away *before*
raising the flag (a classic mistake): both processes can then enter together.
"""

import rasmodel as rm

model = rm.Model("peterson", params={"broken": False, "rounds": 1}, doc=__doc__)


@model.build
def build(env: rm.Env, broken: bool, rounds: int):
    flag = [env.var("flag0", False), env.var("flag1", False)]
    turn = env.var("turn", 0)
    inside = env.var("inside", 0)

    def proc(me: int):
        other = 1 - me
        for _ in range(rounds):
            if broken:
                turn.value = other
                yield env.pause("gave turn")
                flag[me].value = True
            else:
                flag[me].value = True
                yield env.pause("raised flag")
                turn.value = other
            yield env.wait_until(lambda: not flag[other].value or turn.value == me, "may enter")
            inside.value += 1
            env.emit("enter", who=me)
            yield env.pause("critical section")
            inside.value -= 1
            flag[me].value = False
            yield env.pause("left")

    env.process(proc(0), name="p0")
    env.process(proc(1), name="p1")
    return inside


@model.invariant
def mutual_exclusion(inside, params):
    """At most one process is in its critical section."""
    return inside.value <= 1 or f"{inside.value} processes in the critical section"


model.check(rm.eventually("enter"), name="someone_enters")
