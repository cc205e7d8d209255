"""Random concurrent programs for checking reductions against plain enumeration.

A program is plain data (so Hypothesis can shrink it): a few shared variables, a
few events, and 2-4 processes, each a list of operations. Every operation is one
step that ends in a yield. `build_model` turns a program into an `rm.Model` with an
invariant, a final-state property and trace properties over what it emits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

import rasmodel as rm

VARS = ("x", "y", "z")
EVENTS = ("e0", "e1")
KINDS = ("a", "b")


@dataclass(frozen=True)
class Program:
    nvars: int
    procs: tuple[tuple[tuple[Any, ...], ...], ...]
    invariant: tuple[str, int]
    final: tuple[str, int]
    build_choice: bool = False  # the build chooses x's initial value

    def __str__(self) -> str:
        lines = [f"vars={VARS[: self.nvars]} inv={self.invariant} final={self.final}"]
        lines += [f"  p{i}: {list(ops)}" for i, ops in enumerate(self.procs)]
        return "\n".join(lines)


def _ops(nvars: int) -> st.SearchStrategy[tuple[Any, ...]]:
    var = st.sampled_from(VARS[:nvars])
    val = st.integers(0, 2)
    return st.one_of(
        st.tuples(st.just("read"), var),
        st.tuples(st.just("write"), var, val),
        st.tuples(st.just("copy"), var),
        st.tuples(st.just("incr"), var),
        st.tuples(st.just("cas"), var, val, val),
        st.tuples(st.just("wait"), var, val),
        st.tuples(st.just("emit"), st.sampled_from(KINDS)),
        st.tuples(st.just("timeout"), st.integers(0, 2)),
        st.tuples(st.just("choose"), var),
        st.tuples(st.just("trigger"), st.sampled_from(EVENTS)),
        st.tuples(st.just("await"), st.sampled_from(EVENTS)),
    )


@st.composite
def programs(draw: st.DrawFn, max_procs: int = 4, max_ops: int = 4, max_total: int = 9) -> Program:
    """Programs small enough for plain enumeration (at most `max_total` steps in all)."""
    nvars = draw(st.integers(1, 3))
    nprocs = draw(st.integers(2, max_procs))
    procs = []
    budget = max_total
    for index in range(nprocs):
        size = min(max_ops, budget - (nprocs - index - 1))
        ops = draw(st.lists(_ops(nvars), min_size=1, max_size=max(1, size)))
        budget -= len(ops)
        procs.append(tuple(ops))
    invariant = (draw(st.sampled_from(VARS[:nvars])), draw(st.integers(1, 3)))
    final = (draw(st.sampled_from(VARS[:nvars])), draw(st.integers(0, 3)))
    return Program(nvars, tuple(procs), invariant, final, draw(st.booleans()))


def build_model(program: Program) -> rm.Model:
    model = rm.Model("random-program")

    @model.build
    def build(env: rm.Env) -> dict[str, Any]:
        first = env.choose([0, 1], "initial x") if program.build_choice else 0
        shared = {
            name: env.var(name, first if name == "x" else 0) for name in VARS[: program.nvars]
        }
        events = {name: env.event(name) for name in EVENTS}
        for index, ops in enumerate(program.procs):
            env.process(_process(env, ops, shared, events), name=f"p{index}")
        return shared

    @model.invariant
    def bounded(shared: dict[str, rm.Var[int]], params: dict[str, Any]) -> bool:
        name, limit = program.invariant
        return shared[name].value != limit

    @model.final
    def final_value(shared: dict[str, rm.Var[int]], params: dict[str, Any]) -> bool:
        name, value = program.final
        return shared[name].value != value

    model.check(rm.never("b"), name="never_b")
    model.check(rm.before("a", "b"), name="a_before_b")
    return model


def _process(env: rm.Env, ops: tuple[tuple[Any, ...], ...], shared: dict, events: dict):
    local = 0
    for op in ops:
        kind = op[0]
        if kind == "read":
            local = shared[op[1]].value
        elif kind == "write":
            shared[op[1]].value = op[2]
        elif kind == "copy":
            shared[op[1]].value = local
        elif kind == "incr":
            shared[op[1]].value = shared[op[1]].value + 1
        elif kind == "cas":
            if shared[op[1]].value == op[2]:
                shared[op[1]].value = op[3]
        elif kind == "emit":
            env.emit(op[1], local=local)
        elif kind == "choose":
            shared[op[1]].value = env.choose([0, 1, 2], "value")
        elif kind == "trigger" and not events[op[1]].triggered:
            events[op[1]].succeed()
        if kind == "wait":
            var, value = shared[op[1]], op[2]
            yield env.wait_until(lambda var=var, value=value: var.value == value, "wait")
        elif kind == "timeout":
            yield env.timeout(op[1])
        elif kind == "await":
            yield events[op[1]]
        else:
            yield env.pause()
