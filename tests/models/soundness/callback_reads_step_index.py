"""Found by a review (stop 26), fixed: UNSOUND (DPOR), after the history fix (seen at ~02:00 UTC): an event
callback that reads `env.step_index` (or the step numbers in `env.trace`, or
`env.live`: checked with --cross-check, exit 2 each) is not counted as a history read.

README: "Callbacks you add to an event run in the step that processes it". The
callback below runs in a's step (a triggers e), but in `Env._drain`, after the step's
body, `_active_proc` is None and `observing` is False, so `Env._read_history`
(rasmodel/sim/env.py) records nothing; b's silent step is taken to commute with a's,
and DPOR never runs b first.

    rasmodel check callback_reads_step_index.py                    # exit 0: a_triggered_first holds (1 execution)
    rasmodel check callback_reads_step_index.py --reduction none   # exit 1: a_triggered_first VIOLATED
                                                    #   ("e was processed in step 1")
    rasmodel check callback_reads_step_index.py --cross-check      # exit 2

Fix: count reads made while draining a step's events (`self._owner is not None`) too.

Status: reproduces at 02:01 UTC.
"""

import rasmodel as rm

model = rm.Model("finding-16-callback-reads-history")


@model.build
def build(env):
    e = env.event("e")
    seen = env.var("seen", None)

    def record(event):
        seen.value = env.step_index

    e.callbacks.append(record)

    def a():
        e.succeed()
        yield env.pause()

    def b():
        yield env.pause()

    env.process(a(), name="a")
    env.process(b(), name="b")
    return seen


@model.final
def a_triggered_first(seen, params):
    assert seen.value == 0, f"e was processed in step {seen.value}"
