"""Found by a review (stop 26), fixed: UNSOUND (DPOR), after the fix of finding_1 (seen at ~02:00 UTC): a
*final property* that reads `env.trace` still sees step numbers that reordering
changes.

The fix made `Env.trace` a history read (`Env._read_history`), but that only counts
`if self._active_proc is not None or self.observing`, and `observing` is set only
while invariants run (rasmodel/execution.py); final properties (and `@model.trace`
functions, finding_2) run with neither. `a` emits in its first step, `b` takes a
silent step; the final property checks the emit's step number.

    rasmodel check final_reads_steps.py                    # exit 0: a_was_step_0 holds (1 execution)
    rasmodel check final_reads_steps.py --reduction none   # exit 1: a_was_step_0 VIOLATED
                                                    #   ("a was emitted in step 1")
    rasmodel check final_reads_steps.py --cross-check      # exit 2
    rasmodel check final_reads_steps.py --cache on         # exit 0: holds

Same with a final property reading `env.steps[0].actor` (env.steps: public property,
docstring "read in a step, see `_read_history`"): DPOR holds, --reduction none
violated (f13b.py in this directory).

Status: reproduces at 02:01 UTC.
"""

import rasmodel as rm

model = rm.Model("finding-13-final-reads-trace-step")


@model.build
def build(env):
    def a():
        env.emit("a")
        yield env.pause()

    def b():
        yield env.pause()

    env.process(a(), name="a")
    env.process(b(), name="b")
    return env


@model.final
def a_was_step_0(env, params):
    step = env.trace[0].step
    assert step == 0, f"a was emitted in step {step}"
