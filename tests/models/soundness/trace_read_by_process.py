"""[Regression model, fixed: a process that reads `env.trace`.]

The notifier emits an "error" event; the reader counts the "error" events in
`env.trace`. Whether it sees one depends on which runs first, but reading the trace
was no read in the step's footprint, and an emit a write only of what trace
properties observe: DPOR took the two steps to commute, ran one execution (notifier
first) and `reader_saw_the_error` held, where plain enumeration violates it (reader
first). Reading `env.trace` is now a read of every emit, and once an execution
shows it, every emit writes what it reads (`Visibility.events`); the generator's
`tread` operation draws such reads (seeds 796 and 1300 before the fix).

    rasmodel check trace_read_by_process.py   # reader_saw_the_error violated
"""

import rasmodel as rm

model = rm.Model("trace-read-by-process")


@model.build
def build(env):
    seen = env.var("seen", 0)

    def notifier():
        env.emit("error")
        yield env.pause("after emit")

    def reader():
        seen.value = sum(1 for e in env.trace if e.kind == "error")
        yield env.pause("after read")

    env.process(notifier(), name="notifier")
    env.process(reader(), name="reader")
    return seen


@model.final
def reader_saw_the_error(seen, params):
    assert seen.value == 1, "the reader ran before the error was reported"
