"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 3 -- FALSE VIOLATION (every strategy): `event.fail(exc)` with a waiting
process that catches the exception is reported as an unhandled failure.

Class: false `exception` violation on a valid model (also: finals never checked).

In SimPy the waiter resumes with the exception thrown into it and catches it
(plain SimPy prints ['caught'] for this program). rasmodel's Env._drain checks
`not event._ok and not hasattr(event, "_defused")` right after the callbacks ran,
but the waiter's `_resume` only marks it ready; `_defused` is set later, when the
waiter's step runs, so the failure is raised as StepFailed in the failer's step.

    rasmodel check finding_3.py                    # exit 1: exception VIOLATED
      "failer in event 'e', failed unhandled: ValueError: boom"
    rasmodel check finding_3.py --reduction none   # same
    rasmodel check finding_3.py --strategy random  # same
Expected: exception holds and `caught` holds (the waiter catches ValueError).
"""

import rasmodel as rm

model = rm.Model("finding-3-event-fail")


@model.build
def build(env):
    e = env.event("e")
    got = env.var("got", None)

    def waiter():
        try:
            yield e
            got.value = "ok"
        except ValueError:
            got.value = "caught"

    def failer():
        e.fail(ValueError("boom"))
        yield env.pause()

    env.process(waiter(), name="waiter")
    env.process(failer(), name="failer")
    return got


@model.final
def caught(got, params):
    return got.value == "caught"
