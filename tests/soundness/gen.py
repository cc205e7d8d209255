"""Random models as Python source, as broad as the model API.

A program is plain data (processes made of operations, the shared objects they need
and the properties over them) so that a disagreement can be shrunk; `render()` turns
it into a model file. Two families:

- engine programs: tracked vars and a queue, events (trigger, fail, conditions with
  `|`, `&`, `any_of`, `all_of`, a timeout), SimPy Store, Resource and Container with
  reads of their attributes, interrupts of running, waiting and joining processes
  (caught and not), children spawned mid-run and joined, daemons, failing steps,
  timeouts with ties and gaps, `choose`/`maybe` in the build and in steps;
- kernel programs: 1-2 CPUs, tasks with NMI-like and IRQ handlers nesting on them,
  spinlocks (irqsave), llist, kfifo, gen_pool, irq_work and task_work.

Each program registers an invariant that reads several vars conditionally, a final
property, and a random selection of every trace combinator.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

VARS = ("x", "y", "z")
EVENTS = ("e0", "e1")
KINDS = ("a", "b", "c")

Op = tuple  # (name, *arguments)


@dataclass(frozen=True)
class Proc:
    """One process: its operations, and how it treats interrupts."""

    name: str
    ops: tuple[Op, ...]
    daemon: bool = False
    loop: Op | None = None  # a daemon's blocking operation, repeated forever
    catch: bool = False  # the body runs in `try: ... except simpy.Interrupt`
    cpu: int = 0  # kernel tasks: the CPU they start on


@dataclass(frozen=True)
class Program:
    """A generated model: shared objects, processes, children and properties."""

    seed: int
    family: str
    nvars: int
    procs: tuple[Proc, ...]
    children: tuple[tuple[Op, ...], ...] = ()
    build_choice: str = ""  # "", "choose" or "maybe": x's initial value
    invariant: tuple = ()
    final: tuple = ()
    traces: tuple[tuple, ...] = ()
    kernel: dict = field(default_factory=dict)  # kernel programs: cpus, budget, irqs

    def operations(self) -> list[Op]:
        every = [op for p in self.procs for op in p.ops] + [op for c in self.children for op in c]
        every += [p.loop for p in self.procs if p.loop]
        every += [op for irq in self.kernel.get("irqs", ()) for op in irq[3]]
        return every

    @property
    def features(self) -> frozenset[str]:
        found = {self.family}
        for op in self.operations():
            found.add(FEATURE.get(op[0], op[0]))
        if any(p.daemon for p in self.procs):
            found.add("daemon")
        if any(p.catch for p in self.procs):
            found.add("catch interrupt")
        if self.build_choice:
            found.add("choose in build")
        if self.invariant:
            found.add("invariant")
        if self.final:
            found.add("final")
        found.update(f"trace:{t[0]}" for t in self.traces)
        for irq in self.kernel.get("irqs", ()):
            found.add(f"kernel {irq[1]}")
        if self.kernel.get("cpus") == 2:
            found.add("kernel 2 cpus")
        if self.kernel.get("preempt_rt") and _uses(self, "irq_work_queue", "irq_work_queue_on"):
            found.add("kernel PREEMPT_RT irq_work")
        if self.kernel.get("stall"):
            found.add("cpu_stall")
        return frozenset(found)

    def size(self) -> int:
        return sum(len(p.ops) for p in self.procs) + sum(len(c) for c in self.children)


FEATURE = {
    "read": "var",
    "write": "var",
    "copy": "var",
    "incr": "var",
    "cas": "var",
    "cond": "conditional write",
    "choose": "choose in step",
    "maybe": "choose in step",
    "qpush": "queue",
    "qpop": "queue",
    "qlen": "queue",
    "trigger": "event trigger",
    "fail": "event.fail",
    "etrig": "event attribute",
    "eproc": "event attribute",
    "await": "await event",
    "any": "condition",
    "all": "condition",
    "anyto": "condition with timeout",
    "put": "store",
    "get": "store",
    "peek": "store attribute",
    "cput": "container",
    "cget": "container",
    "level": "container attribute",
    "hold": "resource",
    "count": "resource attribute",
    "rqueue": "resource attribute",
    "users": "resource attribute",
    "interrupt": "interrupt",
    "alive": "is_alive",
    "spawn": "spawn child",
    "join": "join child",
    "assert": "failing step",
    "raise": "failing step",
    "halt": "halt",
    "kpanic": "kernel panic",
    "mutex": "mutex",
    "trylock": "spin_trylock",
    "complete": "completion",
    "wait_completion": "completion",
    "wait_event": "wait queue",
    "wake_up": "wait queue",
    "percpu": "per-cpu variable",
    "mf": "memory_failure upstream",
    "uaccess": "memory_failure upstream",
    "sigbus": "signal",
    "irqoff": "local_irq_disable",
    "seqwrite": "seqlock",
    "seqread": "seqlock",
    "irq_work_queue_on": "irq_work_queue_on",
    "now": "env.now",
    "joinp": "join process",
    "reqto": "request or timeout",
    "fget": "filter store",
    "callback": "event callback",
    "tvalue": "timeout value",
    "tcallback": "timer callback",
    "peektime": "env.peek",
    "waitnow": "wait_until on time",
    "waitev": "wait_until on an event",
    "waitres": "wait_until on a resource",
    "pause": "pause",
    "timeout": "timeout",
    "wait": "wait_until",
    "waitmulti": "wait_until reading different keys",
    "flip": "value held between two steps",
    "restore": "value put back",
    "waitbool": "wait_until on and/or",
    "waitloop": "wait_until on a changing local",
    "emit": "emit",
    "tread": "env.trace read by a process",
    "hread": "env.step_index or env.live read by a process",
}


# ----------------------------------------------------------------- generation
class _Draw:
    """Random draws for one program."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options):  # type: ignore[no-untyped-def]
        return options[self.rng.randrange(len(options))]

    def int(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


def generate(seed: int) -> Program:
    """The program of `seed`: an engine program, a kernel one one time in four, and
    one time in six one of shared vars only (reads and writes, plain and
    conditional, a step's footprint depending on the values it reads: where the
    reduction's reasoning about coverage is most delicate). One seed in seven
    (chosen by the seed, so the others keep their programs) is a guards program."""
    if seed % 7 == 3:
        return _guards_program(seed, _Draw(seed))
    draw = _Draw(seed)
    if draw.chance(0.25):
        return _kernel_program(seed, draw)
    if draw.chance(0.2):
        return _engine_program(seed, draw, shared_vars=True)
    return _engine_program(seed, draw)


def _engine_program(seed: int, draw: _Draw, shared_vars: bool = False) -> Program:
    nvars = 3 if shared_vars else draw.int(1, 3)
    nprocs = draw.pick((2, 2, 3, 3, 4))
    names = [f"p{i}" for i in range(nprocs)]
    children: list[tuple[Op, ...]] = []
    procs = []
    budget = draw.int(3, 7)
    for index, name in enumerate(names):
        left = budget - (nprocs - index - 1)
        count = draw.int(1, max(1, min(3, left)))
        budget -= count
        if shared_vars:
            count = draw.int(2, 4)
            ops = _with_pauses(draw, [_var_op(draw, nvars) for _ in range(count)])
            procs.append(Proc(name, tuple(ops)))
            continue
        ops = _with_pauses(draw, [_engine_op(draw, nvars, name, names) for _ in range(count)])
        if draw.chance(0.2) and len(children) < 2:
            child = len(children)
            child_ops = [_child_op(draw, nvars) for _ in range(draw.int(1, 2))]
            children.append(tuple(_with_pauses(draw, child_ops)))
            at = draw.int(0, len(ops))
            ops.insert(at, ("spawn", child, draw.chance(0.5)))
            if draw.chance(0.7):
                ops.insert(draw.int(at + 1, len(ops)), ("join", child))
        procs.append(Proc(name, tuple(ops), catch=draw.chance(0.3)))
    if draw.chance(0.3) and not shared_vars:
        procs.append(_daemon(draw, nvars))
    return Program(
        seed,
        "shared vars" if shared_vars else "engine",
        nvars,
        tuple(procs),
        tuple(children),
        draw.pick(("", "", "choose", "maybe")),
        _invariant(draw, nvars, engine=True) if draw.chance(0.7) else (),
        _final(draw, nvars) if draw.chance(0.7) else (),
        _traces(draw),
    )


def _guards_program(seed: int, draw: _Draw) -> Program:
    """Writers that set shared vars and put values back, and processes that wait
    until a conjunction or disjunction of them holds: guards whose evaluations
    read different keys as the values change, and reversals a guard may block
    (where DPOR's treatment of `wait_until` is most delicate)."""
    nvars = draw.int(2, 3)
    procs = []
    writers = draw.pick((2, 2, 3))  # the oracle runs every schedule: keep them short
    for index in range(writers):
        ops: list[Op] = []
        for _ in range(draw.int(1, 4 - writers)):
            v = _var(draw, nvars)
            ops.append(
                ("restore", v, draw.int(0, 2)) if draw.chance(0.3) else ("write", v, draw.int(0, 2))
            )
            ops.append(("timeout", 1) if draw.chance(0.15) else ("pause",))
        procs.append(Proc(f"p{index}", tuple(ops)))
    for index in range(1 if writers == 3 else draw.int(1, 2)):
        chosen = draw.rng.sample(VARS[:nvars], draw.int(1, nvars))
        terms = tuple((v, draw.int(0, 2)) for v in chosen)
        ops = [("pause",)] if draw.chance(0.3) else []
        # sometimes until a time (`env.now` is no tracked key), or twice in a loop
        # on a local the predicate closes over (it changes once the guard passed)
        ops.append(("waitbool", draw.pick(("and", "or")), terms, draw.chance(0.2)))
        if draw.chance(0.25):
            ops[-1] = ("waitloop", *ops[-1][1:])
        if draw.chance(0.5):
            ops += [("write", _var(draw, nvars), draw.int(0, 2)), ("pause",)]
        procs.append(Proc(f"g{index}", tuple(ops), daemon=draw.chance(0.3)))
    return Program(
        seed,
        "guards",
        nvars,
        tuple(procs),
        invariant=_invariant(draw, nvars, engine=False) if draw.chance(0.3) else (),
        final=_final(draw, nvars) if draw.chance(0.5) else (),
        traces=_traces(draw) if draw.chance(0.3) else (),
    )


def _with_pauses(draw: _Draw, ops: list[Op]) -> list[Op]:
    """Half of the operations that do not yield are followed by a pause; the others
    run in one atomic step with the next operation."""
    out: list[Op] = []
    for op in ops:
        out.append(op)
        if op[0] not in YIELDING and draw.chance(0.5):
            out.append(("pause",))
    return out


def _var(draw: _Draw, nvars: int) -> str:
    return draw.pick(VARS[:nvars])


def _vars(draw: _Draw, nvars: int, count: int) -> tuple[str, ...]:
    return tuple(_var(draw, nvars) for _ in range(count))


def _engine_op(draw: _Draw, nvars: int, me: str, procs: list[str]) -> Op:
    v = _var(draw, nvars)
    e = draw.pick(EVENTS)
    others = [p for p in procs if p != me]
    table: list[tuple[float, Callable[[], Op]]] = [
        (3, lambda: ("read", v)),
        (3, lambda: ("write", v, draw.int(0, 2))),
        (2, lambda: ("copy", v)),
        (3, lambda: ("incr", v)),
        (1, lambda: ("cas", v, draw.int(0, 2), draw.int(0, 2))),
        (2, lambda: ("cond", v, draw.int(0, 1), _var(draw, nvars), draw.int(0, 2))),
        (1, lambda: ("choose", v)),
        (1, lambda: ("maybe", v)),
        (3, lambda: ("emit", draw.pick(KINDS), draw.pick(("t", v, "1")))),
        (1, lambda: ("qpush",)),
        (1, lambda: ("qpop", v)),
        (1, lambda: ("qlen", v)),
        (2, lambda: ("trigger", e, draw.int(0, 2))),
        (1, lambda: ("fail", e)),
        (1, lambda: ("etrig", e, v)),
        (1, lambda: ("eproc", e, v)),
        (2, lambda: ("await", e)),
        (2, lambda: ("any", draw.pick(("or", "any_of")))),
        (1, lambda: ("all", draw.pick(("and", "all_of")))),
        (1, lambda: ("anyto", e, draw.int(0, 2))),
        (2, lambda: ("put",)),
        (1, lambda: ("get",)),
        (1, lambda: ("peek", v)),
        (1, lambda: ("cput", draw.int(1, 2))),
        (1, lambda: ("cget", draw.int(1, 2))),
        (1, lambda: ("level", v)),
        (2, lambda: ("hold", v)),
        (1, lambda: ("count", v)),
        (1, lambda: ("rqueue", v)),
        (1, lambda: ("users", v)),
        (2, lambda: ("interrupt", draw.pick(others))),
        (1, lambda: ("alive", draw.pick(others), v)),
        (1, lambda: ("assert", v, draw.int(0, 2))),
        (1, lambda: ("raise", v, draw.int(1, 2))),
        (1, lambda: ("halt", v, draw.int(1, 2))),
        (1, lambda: ("now", v)),
        (1, lambda: ("joinp", draw.pick(others))),
        (1, lambda: ("reqto", v, draw.int(0, 1))),
        (1, lambda: ("fget", v)),
        (1, lambda: ("callback", e, v)),
        (1, lambda: ("tvalue", draw.int(0, 1))),
        (1, lambda: ("tcallback", v, draw.int(1, 2))),
        (1, lambda: ("peektime", v)),
        (1, lambda: ("waitnow", v, draw.int(0, 2))),
        (1, lambda: ("waitev", e)),
        (1, lambda: ("waitres",)),
        (3, lambda: ("pause",)),
        (2, lambda: ("timeout", draw.int(0, 2))),
        (2, lambda: ("wait", v, draw.int(0, 2))),
        (2, lambda: ("waitmulti", v, draw.int(0, 2), *_vars(draw, nvars, 2), draw.int(0, 2))),
        (1, lambda: ("flip", v, draw.int(0, 2))),
        (1, lambda: ("tread", v, draw.pick(KINDS))),
        (1, lambda: ("hread", v, draw.pick(("step_index", "live")), draw.int(1, 3))),
    ]
    total = sum(w for w, _ in table)
    pick = draw.rng.random() * total
    for weight, make in table:
        pick -= weight
        if pick <= 0:
            return make()
    return ("pause",)


def _var_op(draw: _Draw, nvars: int) -> Op:
    v = _var(draw, nvars)
    return draw.pick(
        [
            ("read", v),
            ("write", v, draw.int(0, 2)),
            ("copy", v),
            ("incr", v),
            ("cas", v, draw.int(0, 2), draw.int(0, 2)),
            ("cond", v, draw.int(0, 1), _var(draw, nvars), draw.int(0, 2)),
            ("cond", v, draw.int(0, 1), _var(draw, nvars), draw.int(0, 2)),
        ]
    )


def _child_op(draw: _Draw, nvars: int) -> Op:
    v = _var(draw, nvars)
    return draw.pick(
        [
            ("incr", v),
            ("write", v, draw.int(0, 2)),
            ("pause",),
            ("timeout", draw.int(0, 1)),
            ("raise", v, draw.int(1, 2)),
            ("emit", draw.pick(KINDS), v),
            ("trigger", draw.pick(EVENTS), 1),
        ]
    )


def _daemon(draw: _Draw, nvars: int) -> Proc:
    v = _var(draw, nvars)
    kind = draw.pick(("wait", "get", "timeout", "await"))
    if kind == "wait":
        c = draw.int(0, 2)
        loop: Op = ("consume", v, c, (c + 1) % 3)
    elif kind == "get":
        loop = ("get",)
    elif kind == "timeout":
        loop = ("timeout", draw.int(1, 2))
    else:
        return Proc("d0", (("await", draw.pick(EVENTS)), ("incr", v)), daemon=True)
    body = (draw.pick([("incr", v), ("emit", draw.pick(KINDS), v), ("write", v, 0)]),)
    return Proc("d0", body, daemon=True, loop=loop)


def _invariant(draw: _Draw, nvars: int, *, engine: bool) -> tuple:
    v, w = _var(draw, nvars), _var(draw, nvars)
    forms = [
        ("if", v, draw.int(0, 2), w, draw.int(0, 2), _var(draw, nvars), draw.int(1, 3)),
        ("sum", v, w, draw.int(1, 4)),
        ("ne", v, draw.int(1, 3)),
    ]
    if engine:
        forms += [
            ("items", draw.int(1, 2)),
            ("level", draw.int(0, 3)),
            ("qlen", draw.int(1, 2)),
            ("etrig", draw.pick(EVENTS), v, draw.int(0, 2)),
        ]
    return draw.pick(forms)


def _final(draw: _Draw, nvars: int) -> tuple:
    v, w = _var(draw, nvars), _var(draw, nvars)
    return draw.pick([("pair", v, draw.int(0, 2), w, draw.int(0, 2)), ("ne", v, draw.int(0, 3))])


def _traces(draw: _Draw) -> tuple[tuple, ...]:
    every = [
        ("never", "b", None),
        ("never", "a", 1),
        ("before", "a", "b", "v"),
        ("before", "c", "a", None),
        ("at_most_once", "a", "v"),
        ("at_most_once", "b", None),
        ("eventually", "c", None),
        ("eventually", "a", 0),
        ("after", "a", "c", None, None),
        ("after", "a", "c", "b", "v"),
        ("fn", True),
        ("fn", False),
    ]
    return tuple(t for t in every if draw.chance(0.25))


# ----------------------------------------------------------- kernel programs
def _kernel_program(seed: int, draw: _Draw) -> Program:
    """A small machine: every CPU, task, handler, preemption and migration costs
    units of a budget, so that the oracle can still enumerate the program."""
    units = draw.int(3, 5)
    cpus = 2 if draw.chance(0.35) else 1
    units -= cpus - 1
    preemptions = 1 if units > 2 and draw.chance(0.35) else 0
    units -= preemptions
    migrations = 1 if cpus == 2 and units > 2 and draw.chance(0.3) else 0
    units -= migrations
    kernel = {
        "cpus": cpus,
        "preemptions": preemptions,
        "migrations": migrations,
        "kfifo": draw.int(1, 2),
        "pool": draw.int(0, 2),
        "irqs": (),
        "preempt_rt": draw.chance(0.3),
        "stall": draw.chance(0.15),
        "page": draw.pick(("dirty", "dirty", "clean", "pinned")),
    }
    tasks = []
    ntasks = 2 if units > 2 and draw.chance(0.4) else 1
    for index in range(ntasks):
        count = draw.int(1, max(1, min(3, units - (ntasks - index))))
        units -= count
        ops = tuple(_kernel_op(draw, task=True) for _ in range(count))
        tasks.append(Proc(f"T{index}", ops, cpu=draw.int(0, cpus - 1)))
    irqs = []
    while units > 0 and len(irqs) < 2 and draw.chance(0.7):
        kind = draw.pick(("NMI", "HARDIRQ"))
        count = 2 if units > 2 and draw.chance(0.3) else 1
        units -= count + 1
        ops = tuple(_kernel_op(draw, task=False) for _ in range(count))
        irqs.append((f"irq{len(irqs)}", kind, draw.int(0, cpus - 1), ops))
    kernel["irqs"] = tuple(irqs)
    traces = tuple(
        t
        for t in (
            ("never", "self_deadlock", None),
            ("never", "corrupted", None),
            ("never", "gen_pool_exhausted", None),
            ("never", "panic", None),
            ("never", "sleep_in_atomic", None),
            ("never", "sigbus", None),
            ("after", "llist_add", "irq_work_run", None, None),
            ("eventually", "ret_to_user", None),
            ("fn", True),
        )
        if draw.chance(0.4)
    )
    return Program(
        seed,
        "kernel",
        2,
        tuple(tasks),
        invariant=_invariant(draw, 2, engine=False) if draw.chance(0.5) else (),
        final=_final(draw, 2) if draw.chance(0.5) else (),
        traces=traces,
        kernel=kernel,
    )


def _kernel_op(draw: _Draw, *, task: bool) -> Op:
    v = _var(draw, 2)
    table: list[Op] = [
        ("kstep",),
        ("kincr", v),
        ("kwrite", v, draw.int(0, 2)),
        ("lock", draw.chance(0.5)),
        ("llist_add",),
        ("llist_del_all", v),
        ("kfifo_put",),
        ("kfifo_get", v),
        ("pool",),
        ("irq_work_queue",),
        ("kemit", draw.pick(KINDS), v),
        ("trylock",),
        ("complete",),
        ("wake_up",),
        ("kpanic", v, draw.int(1, 2)),
        ("mutex",),
        ("percpu",),
        ("seqwrite", v),
        ("seqread", v),
        ("irq_work_queue_on",),
    ]
    if task:
        table += [("task_work_add",), ("exit_to_user",), ("irqsave",), ("preempt",)]
        table += [("wait_completion",), ("wait_event",), ("irqoff",), ("mf",), ("uaccess",)]
        table += [("sigbus",)]
    return draw.pick(table)


# ------------------------------------------------------------------ rendering
class _Source:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, text: str) -> None:
        self.lines.append("    " * self.depth + text if text else "")

    def indent(self) -> _Indent:
        return _Indent(self)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class _Indent:
    def __init__(self, src: _Source) -> None:
        self.src = src

    def __enter__(self) -> None:
        self.src.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.src.depth -= 1


def render(program: Program) -> str:
    """The model file of `program`."""
    if program.family == "kernel":
        return _render_kernel(program)
    return _render_engine(program)


def _uses(program: Program, *names: str) -> bool:
    return any(op[0] in names for op in program.operations())


def _render_engine(program: Program) -> str:
    src = _Source()
    src(f'"""Generated engine program, seed {program.seed}."""')
    src("import types")
    src("")
    src("import simpy")
    src("")
    src("import rasmodel as rm")
    src("")
    src(f'model = rm.Model("gen-{program.seed}")')
    src("")
    src("")
    src("@model.build")
    src("def build(env):")
    with src.indent():
        for name in VARS[: program.nvars]:
            if name == "x" and program.build_choice == "choose":
                src('x = env.var("x", env.choose([0, 1, 2], "x0"))')
            elif name == "x" and program.build_choice == "maybe":
                src('x = env.var("x", int(env.maybe("x0")))')
            else:
                src(f'{name} = env.var("{name}", 0)')
        for name in VARS[program.nvars :]:
            src(f'{name} = env.var("{name}", 0)')  # properties may name every var
        src('Q = env.queue("Q")')
        src('e0 = env.event("e0")')
        src('e1 = env.event("e1")')
        src("S = simpy.Store(env, capacity=2)")
        src("R = simpy.Resource(env, capacity=1)")
        src("C = simpy.Container(env, capacity=3, init=1)")
        src("F = simpy.FilterStore(env, capacity=2)")
        src("P = {}")
        for index, ops in enumerate(program.children):
            src("")
            src(f"def c{index}():")
            with src.indent():
                src("t = 0")
                _render_ops(src, ops)
                _end(src, ops)
        for proc in program.procs:
            src("")
            _render_proc(src, proc)
        src("")
        for proc in program.procs:
            daemon = ", daemon=True" if proc.daemon else ""
            src(f'P["{proc.name}"] = env.process({proc.name}(), name="{proc.name}"{daemon})')
        src("return types.SimpleNamespace(x=x, y=y, z=z, Q=Q, e0=e0, e1=e1, S=S, R=R, C=C)")
    _render_properties(src, program)
    return src.text()


def _render_proc(src: _Source, proc: Proc) -> None:
    src(f"def {proc.name}():")
    with src.indent():
        src("t = 0")
        if proc.loop is not None:
            src("while True:")
            with src.indent():
                _render_ops(src, (proc.loop,))
                _render_ops(src, proc.ops)
            return
        if proc.catch:
            src("try:")
            with src.indent():
                _render_ops(src, proc.ops)
                _end(src, proc.ops)
            src("except simpy.Interrupt as interrupt:")
            with src.indent():
                src("x.value = 5")
                src('env.emit("c", v=interrupt.cause)')
                src("yield env.pause()")
        else:
            _render_ops(src, proc.ops)
            _end(src, proc.ops)


def _end(src: _Source, ops: tuple[Op, ...]) -> None:
    """A body with no yield is not a generator: give it one at the end."""
    if not any(op[0] in YIELDING for op in ops):
        src("yield env.pause()")


YIELDING = {
    "pause",
    "waitnow",
    "waitev",
    "waitres",
    "joinp",
    "reqto",
    "fget",
    "tvalue",
    "timeout",
    "wait",
    "waitmulti",
    "flip",
    "restore",
    "waitbool",
    "waitloop",
    "await",
    "any",
    "all",
    "anyto",
    "put",
    "get",
    "cput",
    "cget",
    "hold",
    "join",
    "consume",
}


def _render_ops(src: _Source, ops: tuple[Op, ...]) -> None:
    for op in ops:
        _render_op(src, op)


def _render_op(src: _Source, op: Op) -> None:  # noqa: C901 - one branch per operation
    name, *args = op
    if name == "read":
        src(f"t = {args[0]}.value")
    elif name == "write":
        src(f"{args[0]}.value = {args[1]}")
    elif name == "copy":
        src(f"{args[0]}.value = t")
    elif name == "incr":
        src(f"{args[0]}.value = {args[0]}.value + 1")
    elif name == "cas":
        src(f"if {args[0]}.value == {args[1]}:")
        src(f"    {args[0]}.value = {args[2]}")
    elif name == "cond":
        src(f"if {args[0]}.value == {args[1]}:")
        src(f"    {args[2]}.value = {args[3]}")
    elif name == "choose":
        src(f'{args[0]}.value = env.choose([0, 1, 2], "value")')
    elif name == "maybe":
        src('if env.maybe("flip"):')
        src(f"    {args[0]}.value = 1")
    elif name == "emit":
        value = args[1] if args[1] in ("t", "1") else f"{args[1]}.value"
        src(f'env.emit("{args[0]}", v={value})')
    elif name == "tread":
        src(f'{args[0]}.value = sum(1 for e in env.trace if e.kind == "{args[1]}")')
    elif name == "hread":
        src(f"{args[0]}.value = int(env.{args[1]} < {args[2]})")
    elif name == "qpush":
        src("Q.append(t)")
    elif name == "qpop":
        src("if Q:")
        src(f"    {args[0]}.value = Q.popleft()")
    elif name == "qlen":
        src(f"{args[0]}.value = len(Q)")
    elif name == "trigger":
        src(f"if not {args[0]}.triggered:")
        src(f"    {args[0]}.succeed({args[1]})")
    elif name == "fail":
        src(f"if not {args[0]}.triggered:")
        src(f'    {args[0]}.fail(ValueError("boom"))')
    elif name == "etrig":
        src(f"{args[1]}.value = int({args[0]}.triggered)")
    elif name == "eproc":
        src(f"{args[1]}.value = int({args[0]}.processed)")
    elif name == "await":
        _guarded(src, f"t = yield {args[0]}", "ValueError", "t = 9")
    elif name == "any":
        cond = "e0 | e1" if args[0] == "or" else "env.any_of([e0, e1])"
        _guarded(src, f"r = yield {cond}", "ValueError", "r = {}")
        src("t = int(e0 in r) + 2 * int(e1 in r)")
    elif name == "all":
        cond = "e0 & e1" if args[0] == "and" else "env.all_of([e0, e1])"
        _guarded(src, f"r = yield {cond}", "ValueError", "r = {}")
        src("t = len(r)")
    elif name == "anyto":
        _guarded(src, f"r = yield {args[0]} | env.timeout({args[1]})", "ValueError", "r = {}")
        src(f"t = int({args[0]} in r)")
    elif name == "put":
        src("yield S.put(t)")
    elif name == "get":
        src("t = yield S.get()")
    elif name == "peek":
        src(f"{args[0]}.value = len(S.items)")
    elif name == "cput":
        src(f"yield C.put({args[0]})")
    elif name == "cget":
        src(f"yield C.get({args[0]})")
    elif name == "level":
        src(f"{args[0]}.value = int(C.level)")
    elif name == "hold":
        src("with R.request() as req:")
        with src.indent():
            src("yield req")
            src(f"{args[0]}.value = {args[0]}.value + 1")
            src("yield env.pause()")
    elif name == "count":
        src(f"{args[0]}.value = R.count")
    elif name == "rqueue":
        src(f"{args[0]}.value = len(R.queue)")
    elif name == "users":
        src(f"{args[0]}.value = len(R.users)")
    elif name == "interrupt":
        src(f'if P["{args[0]}"].is_alive:')
        src(f'    P["{args[0]}"].interrupt("{args[0]}")')
    elif name == "alive":
        src(f'{args[1]}.value = int(P["{args[0]}"].is_alive)')
    elif name == "spawn":
        named = f', name="child{args[0]}"' if args[1] else ""
        src(f"ch{args[0]} = env.process(c{args[0]}(){named})")
    elif name == "join":
        _guarded(src, f"t = yield ch{args[0]}", "(RuntimeError, simpy.Interrupt)", "t = 8")
        src("t = t or 0")
    elif name == "assert":
        src(f'assert {args[0]}.value != {args[1]}, "{args[0]} is {args[1]}"')
    elif name == "raise":
        src(f"if {args[0]}.value == {args[1]}:")
        src(f'    raise RuntimeError("{args[0]} reached {args[1]}")')
    elif name == "halt":
        src(f"if {args[0]}.value == {args[1]}:")
        src(f'    raise rm.Halt("{args[0]} reached {args[1]}")')
    elif name == "joinp":
        _guarded(src, f'yield P["{args[0]}"]', "Exception", "t = 7")
    elif name == "reqto":
        src("req = R.request()")
        _guarded(src, f"r = yield req | env.timeout({args[1]})", "simpy.Interrupt", "r = {}")
        src("if req in r:")
        src(f"    {args[0]}.value = {args[0]}.value + 1")
        src("    R.release(req)")
        src("else:")
        src("    req.cancel()")
    elif name == "fget":
        src("yield F.put(t)")
        src(f"t = yield F.get(lambda item: item != {args[0]}.value)")
    elif name == "callback":
        src(f"if {args[0]}.callbacks is not None:")
        src(f"    {args[0]}.callbacks.append(lambda ev: {args[1]}.__setattr__('value', 4))")
    elif name == "tcallback":
        src(f"tm = env.timeout({args[1]})")
        src(f"tm.callbacks.append(lambda ev: {args[0]}.__setattr__('value', {args[0]}.value + 1))")
    elif name == "waitnow":
        test = f"{args[0]}.value == {args[1]} or env.now >= 2"
        src(f'yield env.wait_until(lambda: {test}, "{args[0]} or time")')
    elif name == "waitev":
        src(f'yield env.wait_until(lambda: {args[0]}.triggered, "{args[0]} triggered")')
    elif name == "waitres":
        src('yield env.wait_until(lambda: len(S.items) > 0 or C.level > 1, "stocked")')
    elif name == "peektime":
        src(f"{args[0]}.value = int(min(env.peek(), 9))")
    elif name == "tvalue":
        src(f"t = yield env.timeout({args[0]}, value=3)")
    elif name == "now":
        src(f"{args[0]}.value = int(env.now)")
    elif name == "pause":
        src("yield env.pause()")
    elif name == "timeout":
        src(f"yield env.timeout({args[0]})")
    elif name == "wait":
        src(f'yield env.wait_until(lambda: {args[0]}.value == {args[1]}, "{args[0]}=={args[1]}")')
    elif name == "flip":  # a value that holds only between two steps of this process
        src(f"{args[0]}.value = {args[1]}")
        src("yield env.pause()")
        src(f"{args[0]}.value = {args[1]} + 1")
    elif name == "waitmulti":  # its evaluations stop at different keys (a scheduler's shape)
        a, k, b, c, j = args
        test = f"{a}.value == {k} and ({b}.value == 0 or {c}.value != {j})"
        src(f'yield env.wait_until(lambda: {test}, "{a} and ({b} or {c})")')
    elif name == "restore":  # a value that holds only between two steps, then the old one
        src(f"t = {args[0]}.value")
        src(f"{args[0]}.value = {args[1]}")
        src("yield env.pause()")
        src(f"{args[0]}.value = t")
    elif name in ("waitbool", "waitloop"):  # evaluations that short-cut read fewer keys
        _render_wait(src, name == "waitloop", *args)
    elif name == "consume":
        src(f'yield env.wait_until(lambda: {args[0]}.value == {args[1]}, "{args[0]}=={args[1]}")')
        src(f"{args[0]}.value = {args[2]}")
    else:
        raise ValueError(f"unknown operation {op!r}")


def _render_wait(src: _Source, loop: bool, op: str, terms: tuple, timed: bool = False) -> None:
    """A wait on `and`/`or` of comparisons; `timed`: also before time 1; `loop`: twice,
    the first term against a local `n` that changes once the guard passed."""
    tests = [f"{v}.value == {'n' if loop and i == 0 else k}" for i, (v, k) in enumerate(terms)]
    if timed:
        tests.append("env.now < 1")
    test = f" {op} ".join(tests)
    if not loop:
        src(f'yield env.wait_until(lambda: {test}, "{test}")')
        return
    src(f"n = {terms[0][1]}")
    src("for _ in range(2):")
    with src.indent():
        src(f'yield env.wait_until(lambda: {test}, "{test}")')
        src("n = (n + 1) % 3")


def _guarded(src: _Source, line: str, errors: str, fallback: str) -> None:
    src("try:")
    src(f"    {line}")
    src(f"except {errors}:")
    src(f"    {fallback}")


def _render_properties(src: _Source, program: Program) -> None:
    inv = program.invariant
    if inv:
        src("")
        src("")
        src("@model.invariant")
        src("def inv(s, params):")
        with src.indent():
            if inv[0] == "if":
                _, v, a, w, b, u, c = inv
                src(f"if s.{v}.value == {a}:")
                src(f"    return s.{w}.value != {b}")
                src(f"return s.{u}.value != {c}")
            elif inv[0] == "sum":
                src(f"return s.{inv[1]}.value + s.{inv[2]}.value != {inv[3]}")
            elif inv[0] == "ne":
                src(f"return s.{inv[1]}.value != {inv[2]}")
            elif inv[0] == "items":
                src(f"return len(s.S.items) != {inv[1]}")
            elif inv[0] == "level":
                src(f"return s.C.level != {inv[1]}")
            elif inv[0] == "qlen":
                src(f"return len(s.Q) != {inv[1]}")
            elif inv[0] == "etrig":
                src(f"return not (s.{inv[1]}.triggered and s.{inv[2]}.value == {inv[3]})")
    fin = program.final
    if fin:
        src("")
        src("")
        src("@model.final")
        src("def fin(s, params):")
        with src.indent():
            if fin[0] == "pair":
                src(f"return (s.{fin[1]}.value, s.{fin[3]}.value) != ({fin[2]}, {fin[4]})")
            else:
                src(f"return s.{fin[1]}.value != {fin[2]}")
    for index, spec in enumerate(program.traces):
        src("")
        src(_trace_property(index, spec))


def _trace_property(index: int, spec: tuple) -> str:
    name = f"t{index}_{spec[0]}"
    kind = spec[0]
    if kind == "never":
        where = f", where=lambda d: d.get('v') == {spec[2]}" if spec[2] is not None else ""
        return f'model.check(rm.never("{spec[1]}"{where}), name="{name}")'
    if kind == "before":
        key = f', key="{spec[3]}"' if spec[3] else ""
        return f'model.check(rm.before("{spec[1]}", "{spec[2]}"{key}), name="{name}")'
    if kind == "at_most_once":
        key = f', key="{spec[2]}"' if spec[2] else ""
        return f'model.check(rm.at_most_once("{spec[1]}"{key}), name="{name}")'
    if kind == "eventually":
        where = f", where=lambda d: d.get('v') == {spec[2]}" if spec[2] is not None else ""
        return f'model.check(rm.eventually("{spec[1]}"{where}), name="{name}")'
    if kind == "after":
        extra = f', before="{spec[3]}"' if spec[3] else ""
        extra += f', key="{spec[4]}"' if spec[4] else ""
        return f'model.check(rm.after("{spec[1]}", "{spec[2]}"{extra}), name="{name}")'
    reads = ', reads=("a", "b")' if spec[1] else ""
    return "\n".join(
        [
            f'@model.trace(name="{name}"{reads})',
            f"def {name}(s, params, trace):",
            '    kinds = [e["kind"] for e in trace if e["kind"] in ("a", "b")]',
            '    return kinds[:2] != ["b", "a"]',
        ]
    )


# ------------------------------------------------------------ kernel rendering
def _render_kernel(program: Program) -> str:
    k = program.kernel
    src = _Source()
    src(f'"""Generated kernel program, seed {program.seed}."""')
    src("import types")
    src("")
    src("import rasmodel as rm")
    src("from rasmodel.kernel import (")
    src("    HARDIRQ, NMI, Completion, GenPool, IrqWork, KFifo, Kernel, LList, Mutex, SpinLock,")
    src("    AR, Memory, PerCpu, SeqLock, WaitQueue, exit_to_user, force_sig_mceerr, panic,")
    src("    task_work_add,")
    src(")")
    src("")
    src(f'model = rm.Model("gen-{program.seed}")')
    src("")
    src("")
    src("@model.build")
    src("def build(env):")
    with src.indent():
        src(
            f"k = Kernel(env, cpus={k['cpus']}, preemptions={k['preemptions']}, "
            f"migrations={k['migrations']}, preempt_rt={k.get('preempt_rt', False)})"
        )
        src('x = env.var("x", 0)')
        src('y = env.var("y", 0)')
        src('z = env.var("z", 0)')
        src('lock = SpinLock(k, "lock")')
        src('ll = LList(k, "ll")')
        src(f'fifo = KFifo(k, "fifo", {k["kfifo"]})')
        src(f'pool = GenPool(k, "pool", {k["pool"]})')
        if _uses(program, "mf", "uaccess"):
            src("memory = Memory(k, lambda task, page: iter(()), upstream=True)")
            kind = k.get("page", "dirty")
            src(
                f'page = memory.page(0xB0, poisoned=True, mapped_by=("T0",), '
                f"clean={kind == 'clean'}, pinned={kind == 'pinned'})"
            )
        if _uses(program, "percpu"):
            src('pc = PerCpu(k, "pc", 0)')
        if _uses(program, "mutex"):
            src('mutex = Mutex(k, "mutex")')
        if _uses(program, "complete", "wait_completion"):
            src('done = Completion(k, "done")')
        if _uses(program, "wake_up", "wait_event"):
            src('wq = WaitQueue(k, "wq")')
        src("")
        src("def work(ctx):")
        src("    ll.llist_del_all()")
        src('    k.emit("a", v=x.value)')
        src("    yield k.step('irq_work done')")
        src("")
        if _uses(program, "irq_work_queue", "irq_work_queue_on"):
            src('iw = IrqWork(k, "iw", work)')
        if _uses(program, "seqwrite", "seqread"):
            src('seq = SeqLock(k, "seq")')
        src("")
        src("def callback(task, value):")
        src("    y.value = value")
        src('    k.emit("b", v=value)')
        src("    yield k.step('task_work done')")
        src("")
        src('k.callbacks["cb"] = callback')
        src("tasks = {}")
        for proc in program.procs:
            src("")
            src(f"def {proc.name.lower()}(task):")
            with src.indent():
                _render_kernel_ops(src, proc.ops, task=True)
                src("yield k.step('done')")
        for name, _kind, _cpu, ops in k["irqs"]:
            src("")
            src(f"def {name}(ctx):")
            with src.indent():
                _render_kernel_ops(src, ops, task=False)
                src("yield k.step('handled')")
        src("")
        for proc in program.procs:
            src(
                f'tasks["{proc.name}"] = k.task("{proc.name}", {proc.name.lower()}, cpu={proc.cpu})'
            )
        for name, kind, cpu, _ops in k["irqs"]:
            src(f'k.interrupt("{name}", {name}, cpu={cpu}, kind={kind})')
        if k.get("stall"):
            src('k.cpu_stall(0, reason="firmware")')
        src("return types.SimpleNamespace(x=x, y=y, z=z, k=k)")
    _render_properties(src, program)
    return src.text()


def _render_kernel_ops(src: _Source, ops: tuple[Op, ...], *, task: bool) -> None:
    for op in ops:
        name, *args = op
        if name == "kstep":
            src("yield k.step('step')")
        elif name == "kincr":
            src(f"{args[0]}.value = {args[0]}.value + 1")
            src("yield k.step('incr')")
        elif name == "kwrite":
            src(f"{args[0]}.value = {args[1]}")
            src("yield k.step('write')")
        elif name == "lock":
            if args[0]:
                src("flags = yield from lock.spin_lock_irqsave()")
                src("x.value = x.value + 1")
                src("yield k.step('locked')")
                src("lock.spin_unlock_irqrestore(flags)")
            else:
                src("yield from lock.spin_lock()")
                src("x.value = x.value + 1")
                src("yield k.step('locked')")
                src("lock.spin_unlock()")
        elif name == "llist_add":
            src("yield from ll.llist_add(x.value)")
        elif name == "llist_del_all":
            src(f"{args[0]}.value = len(ll.llist_del_all())")
            src("yield k.step('del_all')")
        elif name == "kfifo_put":
            src("yield from fifo.kfifo_put(1)")
        elif name == "kfifo_get":
            src(f"{args[0]}.value = fifo.kfifo_get() or 0")
            src("yield k.step('get')")
        elif name == "pool":
            src("if pool.gen_pool_alloc():")
            src("    pool.gen_pool_free()")
            src("yield k.step('pool')")
        elif name == "irq_work_queue":
            src("iw.irq_work_queue()")
            src("yield k.step('queued')")
        elif name == "irq_work_queue_on":
            src("iw.irq_work_queue_on(len(k.cpus) - 1)")
            src("yield k.step('queued on')")
        elif name == "seqwrite":
            src("yield from seq.write_seqlock()")
            src(f"{args[0]}.value = {args[0]}.value + 1")
            src("yield k.step('seq writing')")
            src("seq.write_sequnlock()")
        elif name == "seqread":
            src("start = yield from seq.read_seqbegin()")
            src(f"seen = {args[0]}.value")
            src("yield k.step('seq read')")
            src("if seq.read_seqretry(start):")
            src("    z.value = seen")
        elif name == "kemit":
            src(f'k.emit("{args[0]}", v={args[1]}.value)')
            src("yield k.step('emit')")
        elif name == "task_work_add":
            src('task_work_add(k, task, "cb", 2)')
            src("yield k.step('twa')")
        elif name == "exit_to_user":
            src("if (yield from exit_to_user(k, task)):")
            src("    return  # killed by a signal")
        elif name == "sigbus":
            src("force_sig_mceerr(k, task, AR, 0xB0)")
            src("yield k.step('sigbus')")
        elif name == "irqsave":
            src("flags = k.local_irq_save()")
            src("z.value = z.value + 1")
            src("yield k.step('irqs off')")
            src("k.local_irq_restore(flags)")
        elif name == "preempt":
            src("k.preempt_disable()")
            src("yield k.step('preempt off')")
            src("k.preempt_enable()")
        elif name == "trylock":
            src("if lock.spin_trylock():")
            src("    x.value = x.value + 1")
            src("    lock.spin_unlock()")
            src("yield k.step('trylock')")
        elif name == "mutex":
            src("yield from mutex.mutex_lock()")
            src("y.value = y.value + 1")
            src("yield k.step('mutex held')")
            src("mutex.mutex_unlock()")
        elif name == "complete":
            src("done.complete()")
            src("yield k.step('completed')")
        elif name == "wait_completion":
            src("yield from done.wait_for_completion()")
        elif name == "wake_up":
            src("z.value = z.value + 1")
            src("wq.wake_up()")
            src("yield k.step('woke')")
        elif name == "wait_event":
            src("yield from wq.wait_event(lambda: z.value > 0)")
        elif name == "mf":
            src("x.value = (yield from memory.memory_failure(0xB0, 1)) % 3")
        elif name == "uaccess":
            src("yield from memory.user_access(task, page)")
            src("yield k.step('user')")
        elif name == "percpu":
            src("x.value = pc.this_cpu_inc()")
            src("yield k.step('percpu')")
        elif name == "irqoff":
            src("k.local_irq_disable()")
            src("z.value = z.value + 1")
            src("yield k.step('irqs off')")
            src("k.local_irq_enable()")
        elif name == "kpanic":
            src(f"if {args[0]}.value == {args[1]}:")
            src('    panic(k, "panic")')
        else:
            raise ValueError(f"unknown kernel operation {op!r}")


# -------------------------------------------------------------------- shrinking
def shrinks(program: Program) -> Iterator[Program]:
    """Smaller variants of `program`, the biggest cuts first (for delta debugging)."""
    procs = list(program.procs)
    if len(procs) > 1:
        for index in range(len(procs)):
            rest = tuple(p for i, p in enumerate(procs) if i != index)
            yield replace(program, procs=rest)
    for index, proc in enumerate(procs):
        for at in range(len(proc.ops)):
            if proc.ops[at][0] == "spawn":
                continue
            ops = proc.ops[:at] + proc.ops[at + 1 :]
            if not ops and proc.loop is None:
                continue
            yield replace(program, procs=_with(procs, index, replace(proc, ops=ops)))
        if proc.catch:
            yield replace(program, procs=_with(procs, index, replace(proc, catch=False)))
    irqs = program.kernel.get("irqs", ())
    for index in range(len(irqs)):
        rest = tuple(irq for i, irq in enumerate(irqs) if i != index)
        yield replace(program, kernel={**program.kernel, "irqs": rest})
    for index, child in enumerate(program.children):
        for at in range(len(child)):
            smaller = child[:at] + child[at + 1 :]
            if smaller:
                children = list(program.children)
                children[index] = smaller
                yield replace(program, children=tuple(children))
    if program.invariant:
        yield replace(program, invariant=())
    if program.final:
        yield replace(program, final=())
    for index in range(len(program.traces)):
        yield replace(program, traces=program.traces[:index] + program.traces[index + 1 :])
    if program.build_choice:
        yield replace(program, build_choice="")


def _with(procs: list[Proc], index: int, proc: Proc) -> tuple[Proc, ...]:
    return tuple(proc if i == index else p for i, p in enumerate(procs))
