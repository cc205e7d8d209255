"""The exploration semantics of DESIGN section 3, one behaviour per test."""

from __future__ import annotations

import pytest

import rasmodel as rm
from rasmodel.errors import ModelError
from rasmodel.search import replay
from tests.conftest import run_cli


def test_wait_until_check_and_code_after_it_are_one_step(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("lock")

        @model.build
        def build(env):
            lock = env.var("lock", None)
            inside = env.var("inside", 0)

            def worker(me):
                yield env.wait_until(lambda: lock.value is None, "lock free")
                lock.value = me
                inside.value += 1
                yield env.pause("critical")
                inside.value -= 1
                lock.value = None

            for i in range(3):
                env.process(worker(i), name=f"w{i}")
            return inside

        @model.invariant
        def exclusive(inside, params):
            return inside.value <= 1
        """
    )
    assert result.verdicts["exclusive"] == "holds"
    assert result.verdicts["deadlock"] == "holds"
    assert result.exhaustive


def test_a_wait_that_can_never_end_is_a_deadlock_naming_the_line(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("stuck")

        @model.build
        def build(env):
            flag = env.var("flag", False)

            def waiter():
                yield env.wait_until(lambda: flag.value, "flag set")

            env.process(waiter(), name="waiter")
        """
    )
    assert result.verdicts["deadlock"] == "violated"
    message = result["deadlock"].message
    assert "waiter waits for wait_until 'flag set'" in message
    assert "model.py:10" in message


def test_daemons_left_blocked_are_not_a_deadlock(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("daemon")

        @model.build
        def build(env):
            work = env.event("work")

            def server():
                yield work

            def client():
                yield env.pause()

            env.process(server(), name="kworker", daemon=True)
            env.process(client(), name="client")
        """
    )
    assert result.verdicts["deadlock"] == "holds"


def test_a_deadlock_report_names_stuck_daemons_but_not_resting_ones(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("stuck-daemon")

        @model.build
        def build(env):
            lock = env.var("lock", "client")
            done = env.var("done", False)

            def handler():
                yield env.wait_until(lambda: lock.value is None, "lock free",
                                     explain=lambda: f"held by {lock.value}")

            def poller():
                yield env.wait_until(lambda: done.value, "work", idle=True)

            def client():
                yield env.wait_until(lambda: done.value, "handler done")

            env.process(handler(), name="handler", daemon=True)
            env.process(poller(), name="poller", daemon=True)
            env.process(client(), name="client")
        """
    )
    message = result["deadlock"].message
    assert "handler waits for wait_until 'lock free' (held by client)" in message
    assert "client waits for wait_until 'handler done'" in message
    assert "poller" not in message


def test_daemon_timers_alone_do_not_keep_an_execution_alive(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("ticker")

        @model.build
        def build(env):
            ticks = env.var("ticks", 0)

            def ticker():
                while True:
                    yield env.timeout(1)
                    ticks.value += 1

            def client():
                yield env.timeout(3)

            env.process(ticker(), name="ticker", daemon=True)
            env.process(client(), name="client")
            return ticks

        @model.final
        def ticked(ticks, params):
            return ticks.value <= 3 or f"{ticks.value} ticks"
        """
    )
    assert result.verdicts == {
        "ticked": "holds",
        "deadlock": "holds",
        "livelock": "holds",
        "assertion": "holds",
        "exception": "holds",
    }
    assert result.stats.max_depth_seen <= 10


def test_steps_at_the_same_time_interleave_and_time_orders_the_rest(check_source) -> None:
    source = """
        import rasmodel as rm
        model = rm.Model("timed", params={"a": 1, "b": 2})

        @model.build
        def build(env, a, b):
            order = env.queue("order")

            def proc(name, delay):
                yield env.timeout(delay)
                order.append(name)

            env.process(proc("a", a), name="a")
            env.process(proc("b", b), name="b")
            return order

        @model.final
        def a_first(order, params):
            return order.items[0] == "a" or f"order {order.items}"
        """
    ordered = check_source(source, reduction="none")
    assert ordered.verdicts["a_first"] == "holds"
    assert ordered.stats.executions == 2  # only the two starts interleave
    tied = check_source(source, params={"b": 1})
    assert tied.verdicts["a_first"] == "violated"


def test_one_event_waking_two_processes_gives_each_its_own_step(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("broadcast")

        @model.build
        def build(env):
            go = env.event("go")
            order = env.queue("order")

            def waiter(name):
                yield go
                order.append(name)

            def starter():
                yield env.pause()
                go.succeed()

            env.process(waiter("x"), name="x")
            env.process(waiter("y"), name="y")
            env.process(starter(), name="s")
            return order

        @model.final
        def x_first(order, params):
            return order.items[0] == "x"
        """
    )
    assert result.verdicts["x_first"] == "violated"


def test_yield_on_a_processed_event_is_still_a_scheduling_point(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("processed")

        @model.build
        def build(env):
            done = env.event("done")
            x = env.var("x", 0)
            done.succeed()

            def a():
                yield env.pause()
                x.value = 1
                yield done          # already processed: another process may run here
                x.value = 2

            def b():
                yield env.pause()
                assert x.value != 1, "b saw the value between the two writes"

            env.process(a(), name="a")
            env.process(b(), name="b")
        """
    )
    assert result.verdicts["assertion"] == "violated"
    assert "b saw the value" in result["assertion"].message


def test_interrupt_is_delivered_as_a_step_after_the_process_started(check_source) -> None:
    result = check_source(
        """
        import simpy
        import rasmodel as rm
        model = rm.Model("interrupt")

        @model.build
        def build(env):
            caught = env.var("caught", 0)

            def sleeper():
                try:
                    yield env.timeout(10)
                except simpy.Interrupt as irq:
                    caught.value = irq.cause

            def waker(target):
                yield env.pause()
                target.interrupt(7)

            s = env.process(sleeper(), name="sleeper")
            env.process(waker(s), name="waker")
            return caught

        @model.final
        def interrupted(caught, params):
            return caught.value == 7
        """
    )
    assert result.verdicts["interrupted"] == "holds"
    assert result.verdicts["exception"] == "holds"


def test_choose_explores_every_option(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("choose")

        @model.build
        def build(env):
            pick = env.var("pick", None)

            def p():
                pick.value = env.choose([10, 20, 30], "value")
                yield env.pause()

            env.process(p(), name="p")
            return pick

        @model.final
        def not_thirty(pick, params):
            return pick.value != 30 or "picked 30"
        """
    )
    assert result.stats.executions == 3
    assert result.verdicts["not_thirty"] == "violated"
    cex = result.counterexamples["not_thirty"]
    assert {"choose": "value", "value": 30, "index": 2} in [c.to_json() for c in cex.choices]


def test_invariant_violation_does_not_end_the_execution(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("both")

        @model.build
        def build(env):
            x = env.var("x", 0)

            def p():
                x.value = 1
                yield env.pause()
                x.value = 2

            env.process(p(), name="p")
            return x

        @model.invariant
        def never_one(x, params):
            assert x.value != 1, "x is 1"

        @model.final
        def ends_at_three(x, params):
            return x.value == 3 or f"x ends at {x.value}"
        """
    )
    assert result.stats.executions == 1
    assert result.verdicts["never_one"] == "violated"
    assert result.verdicts["ends_at_three"] == "violated"
    # The invariant's counterexample stops at the violating step.
    assert len(result.counterexamples["never_one"].execution.steps) == 1


def test_exceptions_in_processes_are_reported_with_the_model_line(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("boom")

        @model.build
        def build(env):
            def p():
                yield env.pause()
                {}["missing"]

            env.process(p(), name="p")
        """
    )
    assert result.verdicts["exception"] == "violated"
    assert "KeyError" in result["exception"].message
    assert "model.py:9" in result["exception"].message
    assert result.verdicts["assertion"] == "holds"


def test_processes_get_deterministic_names(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("names")

        @model.build
        def build(env):
            names = env.queue("names")

            def child():
                yield env.pause()

            def parent():
                c = env.process(child())
                names.append(c.name)
                yield env.pause()

            for _ in range(2):
                names.append(env.process(parent()).name)
            return names

        @model.final
        def named(names, params):
            expected = {"parent.0", "parent.1", "parent.0/child.0", "parent.1/child.0"}
            return set(names.items) == expected or str(names.items)
        """
    )
    assert result.verdicts["named"] == "holds"


def test_simpy_resources_built_on_the_env_are_tracked(check_source) -> None:
    result = check_source(
        """
        import simpy
        import rasmodel as rm
        model = rm.Model("store")

        @model.build
        def build(env):
            store = simpy.Store(env, capacity=1)
            got = env.queue("got")

            def producer():
                yield store.put("a")
                yield store.put("b")

            def consumer(name):
                item = yield store.get()
                got.append((name, item))

            env.process(producer(), name="prod")
            env.process(consumer("c0"), name="c0")
            env.process(consumer("c1"), name="c1")
            return got

        @model.final
        def c0_gets_a(got, params):
            return ("c0", "a") in got.items or str(got.items)
        """
    )
    assert result.verdicts["c0_gets_a"] == "violated"
    assert result.verdicts["deadlock"] == "holds"


def test_trace_combinators(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("trace")

        @model.build
        def build(env):
            def p(i):
                env.emit("fault", task=i)
                yield env.pause()
                env.emit("handled", task=i)
                yield env.pause()
                env.emit("to_user", task=i)

            def q():
                env.emit("to_user", task=9)
                yield env.pause()

            env.process(p(1), name="p1")
            env.process(q(), name="q")

        model.check(rm.never("panic"), name="no_panic")
        model.check(rm.never("to_user", where=lambda d: d["task"] == 9), name="nine_stays")
        model.check(rm.before("fault", "handled", key="task"), name="fault_first")
        model.check(rm.before("handled", "to_user", key="task"), name="handled_first")
        model.check(rm.at_most_once("fault", key="task"), name="one_fault")
        model.check(rm.at_most_once("to_user"), name="one_return")
        model.check(rm.eventually("handled"), name="gets_handled")
        model.check(rm.eventually("panic"), name="panics")
        model.check(rm.after("fault", "handled", before="to_user", key="task"), name="in_time")
        model.check(rm.after("handled", "panic"), name="handled_then_panic")

        @model.trace
        def three_returns_max(system, params, trace):
            n = sum(1 for e in trace if e["kind"] == "to_user")
            return n <= 1 or f"{n} returns"
        """
    )
    assert result.verdicts == {
        "no_panic": "holds",
        "nine_stays": "violated",
        "fault_first": "holds",
        "handled_first": "violated",
        "one_fault": "holds",
        "one_return": "violated",
        "gets_handled": "holds",
        "panics": "violated",
        "in_time": "holds",
        "handled_then_panic": "violated",
        "three_returns_max": "violated",
        "deadlock": "holds",
        "livelock": "holds",
        "assertion": "holds",
        "exception": "holds",
    }


def test_end_properties_are_not_checked_on_deadlocked_executions(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("dead")

        @model.build
        def build(env):
            never = env.event("never")

            def p():
                yield never

            env.process(p(), name="p")

        @model.final
        def final_fails(system, params):
            return "final ran"

        model.check(rm.eventually("x"), name="eventually_x")
        """
    )
    assert result.verdicts["deadlock"] == "violated"
    assert result.verdicts["final_fails"] == "holds"
    assert result.verdicts["eventually_x"] == "holds"


@pytest.mark.parametrize("bound", [0, 1])
def test_preemption_bound_finds_the_lost_update_only_with_one_preemption(bound: int) -> None:
    from tests.conftest import EXAMPLES

    result = rm.check(str(EXAMPLES / "lost_update.py"), preemption_bound=bound)
    expected = "violated" if bound == 1 else "no-violation-found"
    assert result.verdicts["all_counted"] == expected


def test_counterexamples_are_minimal_and_replay() -> None:
    from tests.conftest import EXAMPLES

    model_path = str(EXAMPLES / "lost_update.py")
    result = rm.check(model_path, params={"workers": 3})
    cex = result.counterexamples["all_counted"]
    assert cex.preemptions == 1
    assert cex.length == 6
    from rasmodel.loader import load_model

    loaded = load_model(model_path)
    again = replay(loaded, cex.params, "all_counted", cex.choices)
    assert [v.property for v in again.violations] == ["all_counted"]
    assert again.violations[0].message == cex.message


def test_a_step_that_never_yields_is_stopped_naming_its_line(check_source) -> None:
    from rasmodel.errors import ModelError

    # The watchdog stops the loop wherever it is: on line 10 or 11.
    with pytest.raises(ModelError, match=r"model\.py:1[01]: a step ran for 1 s without yielding"):
        check_source(
            """
            import rasmodel as rm
            model = rm.Model("spin")

            @model.build
            def build(env):
                x = env.var("x", 0)
                def p():
                    yield env.pause()
                    while True:
                        x.value += 1
                env.process(p(), name="p")
            """,
            step_timeout=1,
        )


def test_interrupting_a_process_in_wait_until_cancels_the_wait(check_source) -> None:
    result = check_source(
        """
        import simpy
        import rasmodel as rm
        model = rm.Model("irq-guard")

        @model.build
        def build(env):
            flag = env.var("flag", False)
            got = env.var("got", None)

            def waiter():
                try:
                    yield env.wait_until(lambda: flag.value, "flag")
                    got.value = "flag"
                except simpy.Interrupt:
                    got.value = "interrupt"

            def poker(target):
                yield env.pause()
                target.interrupt()

            w = env.process(waiter(), name="waiter")
            env.process(poker(w), name="poker")
            return got

        @model.final
        def interrupted(got, params):
            return got.value == "interrupt" or f"got {got.value}"
        """
    )
    assert result.verdicts == {
        "interrupted": "holds",
        "deadlock": "holds",
        "livelock": "holds",
        "assertion": "holds",
        "exception": "holds",
    }


def test_joining_a_process_returns_its_value_and_orders_the_steps(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("join")

        @model.build
        def build(env):
            out = env.var("out", None)

            def child():
                yield env.pause()
                return 42

            def parent():
                value = yield env.process(child(), name="child")
                out.value = value

            env.process(parent(), name="parent")
            return out

        @model.final
        def joined(out, params):
            return out.value == 42
        """
    )
    assert result.verdicts["joined"] == "holds"


def test_a_choice_in_the_build_is_part_of_the_replayable_sequence(model_file, tmp_path) -> None:
    from tests.conftest import run_cli

    path = model_file(
        """
        import rasmodel as rm
        model = rm.Model("build-choice")

        @model.build
        def build(env):
            n = env.choose([1, 2], "workers")
            c = env.var("c", 0)
            def w():
                t = c.value
                yield env.pause()
                c.value = t + 1
            for i in range(n):
                env.process(w(), name=f"w{i}")
            return c, n

        @model.final
        def counted(system, params):
            c, n = system
            return c.value == n or f"c={c.value} n={n}"
        """
    )
    out = tmp_path / "out"
    assert run_cli("check", path, "--out", str(out), "--cross-check").returncode == 1
    replayed = run_cli("replay", path, str(out / "counted.json"))
    assert replayed.returncode == 1
    assert "choose workers -> 2" in replayed.stdout


def test_a_wait_until_on_simulated_time_is_checked_again_when_time_moves(check_source) -> None:
    result = check_source(
        """
        import rasmodel as rm
        model = rm.Model("guard-on-time")

        @model.build
        def build(env):
            x = env.var("x", 0)

            def waiter():
                yield env.wait_until(lambda: x.value == 0 and env.now >= 1, "from time 1")
                x.value = 1

            def ticker():
                yield env.timeout(2)

            env.process(waiter(), name="waiter")
            env.process(ticker(), name="ticker")
            return x

        @model.final
        def waited(x, params):
            return x.value == 1
        """
    )
    assert result.verdicts["deadlock"] == "holds"
    assert result.verdicts["waited"] == "holds"


HALTING = """
    import rasmodel as rm
    model = rm.Model("halt")

    @model.build
    def build(env):
        flag = env.var("flag", False)
        after = env.var("after", False)

        def a():
            yield env.pause("a")
            if not flag.value:
                env.emit("halted")
                raise rm.Halt("stop the machine")
            yield env.pause("a goes on")

        def joiner(proc):
            try:
                yield proc
            except rm.Halt:
                env.emit("joiner resumed")

        def b():
            yield env.pause("b")
            flag.value = True
            yield env.pause("b goes on")
            after.value = True

        proc = env.process(a(), name="A")
        env.process(joiner(proc), name="J")
        env.process(b(), name="B")
        return flag, after

    model.check(rm.never("halted"), name="no_halt")
    model.check(rm.never("joiner resumed"), name="joiner_waits")
"""


@pytest.mark.parametrize("reduction", ["dpor", "none"])
def test_a_halt_ends_the_execution_in_its_step_and_is_no_exception(
    check_source, reduction: str
) -> None:
    result = check_source(HALTING, reduction=reduction)
    assert result.exhaustive
    assert result.verdicts["no_halt"] == "violated"  # A before B's write
    assert result.verdicts["joiner_waits"] == "holds"  # nobody runs after the halt
    assert result.verdicts["exception"] == "holds"
    assert result.verdicts["deadlock"] == "holds"


def test_a_halt_passes_the_cross_check_and_exits_one(model_file) -> None:
    done = run_cli("check", model_file(HALTING), "--cross-check", "--no-minimize")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VIOLATED  no_halt" in done.stdout
    assert "Halt" not in done.stderr


def test_one_property_the_first_execution_violates_is_no_nondeterminism(check_source) -> None:
    """The first execution is re-run to check the model is deterministic; the re-run
    checks what the first one checked, even once it decided every selected property."""
    source = """
        import rasmodel as rm
        model = rm.Model("first-violates")

        @model.build
        def build(env):
            x = env.var("x", 0)

            def p():
                x.value = 1
                yield env.pause()

            env.process(p(), name="p")
            env.process(p(), name="q")
            return x

        @model.final
        def x_is_zero(x, params):
            assert x.value == 0, "x is 1"
        """
    result = check_source(source, properties=["x_is_zero"])
    assert result.verdicts == {"x_is_zero": "violated"}


def test_an_explain_that_raises_is_a_model_error_at_its_line(check_source) -> None:
    with pytest.raises(ModelError, match=r"the explain= of its wait_until raised TypeError"):
        check_source(
            """
            import rasmodel as rm
            model = rm.Model("bad-explain")

            @model.build
            def build(env):
                owner = env.var("owner", None)

                def waiter():
                    yield env.wait_until(lambda: owner.value == "x", "owned",
                                         explain=lambda: "held by " + owner.value)

                env.process(waiter(), name="waiter")
            """
        )
