"""CPUs with a stack of execution contexts, tasks, and the scheduler.

Each kernel context (a task, a hard-IRQ handler, an NMI-like handler, a kworker) is
an engine process. A CPU runs only the context on top of its stack: interrupt and
NMI-like contexts push themselves when they arrive and pop when they return; below
them runs the CPU's current task (`curr`). Every kernel step is a guarded step
(`Kernel.step`) enabled only while its context is on top, so an NMI-like
notification can land between any two steps of whatever runs on its CPU, and the
interrupted context waits until it returns.

The scheduler of each CPU is a daemon process that may switch `curr` at any step
where the running task is preemptible (within a budget of preemptions, so every
execution is finite) or when the CPU is idle; a migration daemon may move a
runnable task that is not running to another CPU. Both are choices the explorer
enumerates like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import rasmodel as rm
from rasmodel.errors import ModelError, caller_location
from rasmodel.sim.state import Queue, Var

Steps = Generator[Any, Any, Any]

TASK, HARDIRQ, NMI, STALL = "task", "hardirq", "nmi", "stall"
STALL_STEPS = 6  # a CPU sitting out this many steps of others is reported (`_stall_notes`)
RUNNABLE, SLEEPING, DONE = "runnable", "sleeping", "done"


class Cpu:
    """One CPU: its context stack, current task, IRQ and preemption state."""

    def __init__(self, kernel: Kernel, index: int) -> None:
        env = kernel.env
        self.kernel = kernel
        self.index = index
        self.name = f"cpu{index}"
        self.stack: Var[tuple[tuple[str, str], ...]] = env.var(f"{self.name}.stack", ())
        self.curr: Var[str | None] = env.var(f"{self.name}.curr", None)  # the current task
        self.irqs_off: Var[int] = env.var(f"{self.name}.irqs_off", 0)
        self.preempt_count: Var[int] = env.var(f"{self.name}.preempt_count", 0)

    def top(self) -> tuple[str, str] | None:
        stack = self.stack.value
        return stack[-1] if stack else None

    def in_interrupt(self) -> bool:
        return bool(self.stack.value)


@dataclass
class Context:
    """The kernel identity of one engine process: which CPU, task or interrupt."""

    kernel: Kernel
    process: str
    task: Task | None
    home: Cpu | None  # the CPU of an interrupt source (tasks use task.cpu)
    base: str = TASK  # the kind of an interrupt source (tasks: task)

    @property
    def cpu(self) -> Cpu:
        if self.task is not None:
            return self.kernel.cpus[self.task.cpu.value]
        assert self.home is not None
        return self.home

    @property
    def kind(self) -> str:
        """task, hardirq or nmi: the innermost context this process runs in."""
        entry: tuple[str, str]
        for entry in reversed(self.cpu.stack.value):
            process, kind = entry
            if process == self.process:
                return kind
        return self.base

    def may_run(self) -> bool:
        cpu = self.cpu
        stack = cpu.stack.value
        if stack:
            return stack[-1][0] == self.process
        task = self.task
        if task is None or cpu.curr.value != self.process:
            return False
        # A woken SCHED_FIFO thread preempts a normal task at its next preemption point.
        return task.fifo or not self.kernel.fifo_preempts(cpu)

    def waits_for(self) -> str:
        """Why this context cannot run, for deadlock reports."""
        cpu = self.cpu
        stack = cpu.stack.value
        if stack and stack[-1][0] != self.process:
            return f"{cpu.name} runs {stack[-1][0]} ({stack[-1][1]}) on top of it"
        task = self.task
        if task is not None and not task.runnable():
            return f"{task.name} is {task.state.value}"
        if task is not None and cpu.curr.value != self.process:
            return f"{cpu.name} runs {cpu.curr.value or 'nothing'}"
        return "runnable"

    def describe(self) -> str:
        return f"{self.cpu.name}/{self.kind}" + (
            f" ({self.task.name})" if self.task is not None and self.kind != TASK else ""
        )


def _below(context: Context) -> str:
    blocked = context.waits_for()
    return "" if blocked == "runnable" else f"; {blocked}"


class Task:
    """A task: scheduled on a CPU, runs user code, enters the kernel, returns to user."""

    def __init__(
        self,
        kernel: Kernel,
        name: str,
        cpu: int,
        *,
        kthread: bool,
        mm: str | None = None,
        fifo: bool = False,
    ) -> None:
        env = kernel.env
        self.kernel = kernel
        self.name = name
        self.kthread = kthread
        self.fifo = fifo  # SCHED_FIFO: runs before, and preempts, normal tasks
        # The process (address space) it belongs to: threads of one process share it;
        # a kernel thread has none.
        self.mm: str | None = None if kthread else (mm or name)
        self.cpu = env.var(f"{name}.cpu", cpu)
        self.state = env.var(f"{name}.state", RUNNABLE)
        self.flags: Var[frozenset[str]] = env.var(f"{name}.flags", frozenset())  # TIF_*
        self.task_works: Queue[tuple[Any, ...]] = env.queue(f"{name}.task_works")
        # Queued signals, oldest first: (signal, si_code, pfn or None); see kernel.signal.
        self.sigpending: Var[tuple[tuple[str, str, int | None], ...]] = env.var(
            f"{name}.sigpending", ()
        )
        self.ran = env.var(f"{name}.ran", False)

    def runnable(self) -> bool:
        return self.state.value == RUNNABLE


class Kernel:
    """The machine of a model: `k = Kernel(env, cpus=2, preemptions=1, migrations=1)`
    (`preempt_rt=True` for a PREEMPT_RT kernel)."""

    def __init__(
        self,
        env: rm.Env,
        *,
        cpus: int = 2,
        preemptions: int = 1,
        migrations: int = 1,
        preempt_rt: bool = False,
    ) -> None:
        self.env = env
        self.preempt_rt = preempt_rt  # CONFIG_PREEMPT_RT: see `irq_work`
        self.irq_workd: Any = None  # the irq_work/N kthreads, made on first use
        self.irq_work_ipi: Any = None  # the irq_work IPI of each CPU, made on first use
        self.cpus = [Cpu(self, i) for i in range(cpus)]
        self.contexts: dict[str, Context] = {}
        self.tasks: dict[str, Task] = {}
        self.tif_handlers: dict[str, Callable[[Task], Steps]] = {}  # do_notify_resume work
        self.callbacks: dict[str, Callable[..., Steps]] = {}  # task_work callbacks by name
        self.has_fifo = False  # some task is SCHED_FIFO (see `fifo_preempts`)
        self.preemptions = env.var("sched.preemptions_left", preemptions)
        self.migrations = env.var("sched.migrations_left", migrations)
        # Threads of processes in a group exit (kernel/signal.c SIGNAL_GROUP_EXIT), by mm.
        self.group_exit: Var[frozenset[str]] = env.var("signal.group_exit", frozenset())
        env.describe_switches(self._switch_words)
        env.describe_executions(self._stall_notes)
        env.bounded_by(self._budget_keeps_out)
        for cpu in self.cpus:
            env.process(self._scheduler(cpu), name=f"sched/{cpu.index}", daemon=True)
        if migrations > 0 and cpus > 1:
            env.process(self._migrator(), name="migration", daemon=True)

    # ------------------------------------------------------------- contexts
    def current(self) -> Context:
        """The context of the running process (kernel code must run in one)."""
        proc = self.env.active_process
        context = self.contexts.get(proc.name) if proc is not None else None
        if context is None:
            raise ModelError(
                "kernel code ran outside a kernel context.",
                where=caller_location(),
                hint="Run it from a task (Kernel.task) or an interrupt (Kernel.interrupt).",
            )
        return context

    def current_task(self) -> Task | None:
        """`current`: the task of this context, or for an interrupt the task it
        interrupted (None on an idle CPU)."""
        context = self.current()
        if context.task is not None:
            return context.task
        name = context.cpu.curr.value
        return self.tasks[name] if name is not None else None

    def step(self, label: str, *, idle: bool = False) -> Any:
        """A kernel scheduling point: the next step runs when this context is on top
        (`idle`: where a kernel thread rests, which a deadlock report leaves out)."""
        context = self.current()
        return self.env.wait_until(context.may_run, label, idle=idle, explain=context.waits_for)

    def spin_until(self, condition: Callable[[], Any], label: str = "cpu_relax") -> Any:
        """`while (!condition) cpu_relax();` as one guarded wait: the context goes on
        in the step where `condition()` (a read of tracked state) holds, so a spin no
        other context can ever end is reported as a `deadlock` at this line, found
        exhaustively, instead of an execution spinning to --max-depth."""
        context = self.current()
        return self.env.wait_until(
            lambda: context.may_run() and bool(condition()),
            f"spin_until {label}",
            explain=lambda: "its condition is false" + _below(context),
        )

    def cpu_relax(self) -> Any:
        """`cpu_relax()` inside a hand-written spin loop: a scheduling point. A spin
        nothing can end is a `livelock`, but the search stops at the first execution
        that spins to --max-depth; `spin_until` makes it a deadlock, found exhaustively."""
        return self.step("cpu_relax")

    def emit(self, kind: str, **data: Any) -> None:
        """A trace event carrying the current CPU and context."""
        self.env.emit(kind, **data)

    def in_nmi(self) -> bool:
        return self.current().kind == NMI

    def nmi_unsafe(self, call: str, lock: str) -> None:
        """`call` takes `lock` with IRQs masked, which an NMI-like context ignores: made
        there, it spins forever when the context it interrupted holds the lock (a
        kworker holds its pool's lock between work items). Such a call is modelled
        as one step, which no NMI can land inside, so it emits an `nmi_unsafe` event
        whenever it is made from NMI-like context (lockdep's "inconsistent lock
        state"); check `rm.never("nmi_unsafe")`. irq_work exists to defer it."""
        context = self.current()
        if context.kind == NMI:
            self.emit("nmi_unsafe", call=call, lock=lock, taker=context.describe())

    def in_irq(self) -> bool:
        return self.current().kind == HARDIRQ

    def in_atomic(self) -> bool:
        """Sleeping is forbidden: NMI or IRQ context, IRQs off, preemption off."""
        context = self.current()
        cpu = context.cpu
        return context.kind != TASK or cpu.irqs_off.value > 0 or cpu.preempt_count.value > 0

    def might_sleep(self, what: str) -> None:
        """`might_sleep()`: calling something that may sleep in atomic context is a bug."""
        if self.in_atomic():
            context = self.current()
            self.emit("sleep_in_atomic", what=what, context=context.describe())

    def _stall_notes(self, steps: Sequence[Any], runs: Sequence[Any]) -> list[str]:
        """Where a counterexample needs a CPU stalled: a task running on a CPU (its
        next step was enabled there) took no step while `STALL_STEPS` or more steps
        of other CPUs ran, and its next step had to come after them (it touches what
        the last of them wrote, or writes what it read; a step it commutes with
        could as well have come later). Interleavings let a CPU be that slow; real
        hardware needs a reason (firmware, an SDEI handler, a preempted vCPU)."""
        sat_out: dict[str, list[Any]] = {}  # task -> the other CPUs' steps it waited for
        notes: list[str] = []
        for step, choice in zip(steps, runs, strict=False):
            ran = self._cpu_of(step)
            if step.actor in sat_out:  # it ran: was it made to wait?
                note = self._stall_note(step, ran, sat_out.pop(step.actor))
                if note:
                    notes.append(note)
            for name in list(sat_out):
                if name not in choice.options:
                    del sat_out[name]  # it stopped being ready: nothing to claim
            if ran is None or (step.label == "start" and not step.writes):
                continue  # not a CPU's work (the migration daemon, a process start)
            for name in choice.options:
                context = self.contexts.get(name)
                if name != step.actor and context is not None and context.task is not None:
                    sat_out.setdefault(name, []).append((step, ran))
        return notes

    def _stall_note(self, step: Any, cpu: int | None, waited: list[Any]) -> str | None:
        if cpu is None or step.label == "start":
            return None  # a process start is enabled whatever its CPU does
        others = [(s, c) for s, c in waited if c != cpu]
        needed = 0  # the other CPUs' steps up to the last one this step must follow
        for count, (other, _) in enumerate(others, 1):
            if not (
                other.writes.isdisjoint(step.reads | step.writes)
                and step.writes.isdisjoint(other.reads)
            ):
                needed = count
        if needed < STALL_STEPS:
            return None
        first, last = others[0][0].index, others[needed - 1][0].index
        return (
            f"cpu{cpu} made no progress for {needed} steps of other CPUs (steps "
            f"{first}-{last}) while {step.actor} was ready there, and its next step "
            f"(step {step.index}) had to come after them: on real hardware this needs "
            f"cpu{cpu} stalled that long (firmware, an SDEI handler, a preempted vCPU; "
            "k.cpu_stall() makes one explicit)"
        )

    def _cpu_of(self, step: Any) -> int | None:
        """The CPU a step ran on, from the context it ran in (`cpu1/task`, which this
        library labels every step with) or the scheduler it was (`sched/1`)."""
        for label in (step.context, step.actor.replace("sched/", "cpu", 1)):
            head = label.split("/", 1)[0]
            if head.startswith("cpu") and head[3:].isdigit():
                return int(head[3:])
        return None

    def _running_on(self, cpu: Cpu) -> str:
        """What an interrupt arriving on `cpu` stops: the context on top, else its
        current task, else the idle task."""
        stack = cpu.stack.value
        if stack:
            return stack[-1][0]
        return cpu.curr.value or f"swapper/{cpu.index}"

    def _switch_words(self, prev: str, nxt: str) -> str | None:
        """A switch in kernel words: an interrupt arriving on the CPU of the context
        it stops, or a context of another CPU running alongside (no preemption on
        real hardware, only an interleaving); None for a scheduler preemption."""
        before, after = self.contexts.get(prev), self.contexts.get(nxt)
        if before is None or after is None:
            return None
        if after.cpu.index != before.cpu.index:
            return f"on {after.cpu.name}, alongside {prev} on {before.cpu.name}"
        if after.task is None and after.kind in (NMI, HARDIRQ, STALL):
            what = {NMI: "NMI", HARDIRQ: "IRQ", STALL: "stall"}[after.kind]
            return f"{what} on {after.cpu.name} interrupts {prev}"
        return None

    def _push(self, context: Context, kind: str) -> None:
        cpu = context.cpu
        cpu.stack.value = (*cpu.stack.value, (context.process, kind))
        self._label(context)

    def _pop(self, context: Context) -> None:
        cpu = context.cpu
        stack = cpu.stack.value
        if not stack or stack[-1][0] != context.process:
            raise ModelError(f"{context.process} returned from a context it is not in.")
        cpu.stack.value = stack[:-1]
        self._label(context)

    def _label(self, context: Context) -> None:
        self.env.processes[context.process].context = context.describe()

    # ------------------------------------------------------------- tasks
    def task(
        self,
        name: str,
        body: Callable[[Task], Steps],
        *,
        cpu: int = 0,
        kthread: bool = False,
        daemon: bool = False,
        mm: str | None = None,
        fifo: bool = False,
    ) -> Task:
        """A task on `cpu` running `body(task)` once it is scheduled; `mm` names its
        process (threads of one process share it; default: a process of its own);
        `fifo` makes it SCHED_FIFO (see `fifo_preempts`)."""
        self.check_cpu(cpu, f"task({name!r}, cpu={cpu!r})")
        task = Task(self, name, cpu, kthread=kthread, mm=mm, fifo=fifo)
        self.has_fifo = self.has_fifo or fifo
        self.tasks[name] = task
        self.contexts[name] = Context(self, name, task, None)
        proc = self.env.process(self._task_main(task, body), name=name, daemon=daemon)
        proc.context = f"cpu{cpu}/task"
        return task

    def queue_thread(
        self,
        name: str,
        cpu: int,
        queue: Queue[str],
        handle: Callable[[str], Steps],
        label: str,
        *,
        fifo: bool = False,
    ) -> Task:
        """A kernel thread on `cpu` (a kworker, `irq_work/N`) that sleeps while `queue`
        is empty and otherwise pops the next item and runs `handle(item)`; it starts
        asleep, and whoever queues an item wakes it (`Kernel.wake`)."""

        def body(task: Task) -> Steps:
            while True:
                if not queue:
                    self.sleep(task)
                    yield self.step(f"{label} sleeps", idle=True)
                    continue
                yield from handle(queue.popleft())
                yield self.step(label)

        task = self.task(name, body, cpu=cpu, kthread=True, daemon=True, fifo=fifo)
        task.state.value = SLEEPING
        return task

    def _task_main(self, task: Task, body: Callable[[Task], Steps]) -> Steps:
        # A daemon thread that never got the CPU is at rest, not stuck.
        yield self.step("scheduled", idle=self.env.processes[task.name].daemon)
        task.ran.value = True
        yield from body(task)
        self.exit_task(task)

    def exit_task(self, task: Task) -> None:
        self._leave_cpu(task, DONE)
        self.emit("exit", task=task.name)

    def sleep(self, task: Task) -> None:
        """The task blocks: it gives up its CPU until `wake` makes it runnable."""
        self._leave_cpu(task, SLEEPING)

    def _leave_cpu(self, task: Task, state: str) -> None:
        task.state.value = state
        cpu = self.cpus[task.cpu.value]
        if cpu.curr.value == task.name:
            cpu.curr.value = None

    def wake(self, task: Task) -> None:
        if task.state.value == SLEEPING:
            task.state.value = RUNNABLE

    def check_cpu(self, cpu: Any, call: str) -> None:
        """A CPU number the model passed to `call` must name one of this kernel's
        CPUs; `call` is the library function the model called directly."""
        if type(cpu) is not int or not 0 <= cpu < len(self.cpus):
            raise ModelError(
                f"{call}: there is no cpu{cpu}.",
                where=caller_location(3),
                hint=f"The kernel has {len(self.cpus)} CPU(s), numbered from 0.",
            )

    # ------------------------------------------------------------- interrupts
    def interrupt(
        self,
        name: str,
        handler: Callable[[Context], Steps],
        *,
        cpu: int = 0,
        kind: str = HARDIRQ,
        when: Callable[[], bool] | None = None,
        repeat: bool = False,
    ) -> None:
        """An interrupt (kind hardirq) or NMI-like notification (kind nmi) that arrives
        on `cpu` at any step where it can (once, or whenever `when()` holds with
        `repeat`): hard IRQs need IRQs enabled and no IRQ or NMI already running
        there; NMI-like ones arrive even with IRQs masked, but do not nest."""
        self.check_cpu(cpu, f"interrupt({name!r}, cpu={cpu!r})")
        home = self.cpus[cpu]
        context = Context(self, name, None, home, kind)
        self.contexts[name] = context
        ready = when or (lambda: True)

        def arrives() -> bool:
            if not ready():
                return False
            stack = home.stack.value
            if kind == NMI:
                return all(entry[1] not in (NMI, STALL) for entry in stack)
            return home.irqs_off.value == 0 and not stack

        def source() -> Steps:
            while True:
                yield self.env.wait_until(arrives, f"{name} arrives", idle=True)
                below = self._running_on(home)
                self._push(context, kind)
                self.emit(f"{kind}_enter", source=name, interrupts=below)
                yield from handler(context)
                self._pop(context)
                self.emit(f"{kind}_exit", source=name)
                if not repeat:
                    return

        proc = self.env.process(source(), name=name, daemon=True)
        proc.context = f"cpu{cpu}/{kind}"

    def cpu_stall(self, cpu: int = 0, *, reason: str = "firmware", times: int = 1) -> None:
        """`cpu` may stall with exceptions masked (firmware handling an error, an SDEI
        handler, a vCPU the hypervisor preempted): at any step, up to `times` times,
        it stops (a `cpu_stall` event), nothing runs or arrives on it, not even an
        NMI, while the other CPUs go on; then it resumes (`cpu_stall_end`).

        Interleavings already let a CPU be slow; a stall makes it explicit in the
        counterexample and keeps every interrupt off that CPU while it lasts."""
        self.check_cpu(cpu, f"cpu_stall(cpu={cpu!r})")
        home = self.cpus[cpu]
        name = f"stall/{cpu}"
        context = Context(self, name, None, home, STALL)
        self.contexts[name] = context

        def stalls() -> Steps:
            for _ in range(times):
                yield self.env.wait_until(lambda: True, f"cpu{cpu} stalls")
                self._push(context, STALL)
                self.emit("cpu_stall", cpu=home.name, reason=reason)
                yield self.step(f"cpu{cpu} stalled ({reason})")
                self._pop(context)
                self.emit("cpu_stall_end", cpu=home.name, reason=reason)

        proc = self.env.process(stalls(), name=name, daemon=True)
        proc.context = f"cpu{cpu}/{STALL}"

    def nested(self, kind: str, body: Callable[[], Steps]) -> Steps:
        """Run `body` in a nested context of the current process (an exception taken
        by a task, or `irq_enter()` around `irq_work_run()` in an exception handler)."""
        context = self.current()
        self._push(context, kind)
        result = yield from body()
        self._pop(context)
        return result

    # ------------------------------------------------------------- irq / preempt
    def local_irq_save(self) -> int:
        cpu = self.current().cpu
        flags = cpu.irqs_off.value
        cpu.irqs_off.value = flags + 1
        return flags

    def local_irq_restore(self, flags: int) -> None:
        cpu = self.current().cpu
        if cpu.irqs_off.value != flags + 1:
            raise ModelError(
                f"local_irq_restore({flags}) on {cpu.name} without the matching save.",
                where=caller_location(),
                hint="Pair every local_irq_restore with the local_irq_save that returned "
                "its flags.",
            )
        cpu.irqs_off.value = flags

    def local_irq_disable(self) -> None:
        """`local_irq_disable()`: IRQs off on this CPU until `local_irq_enable()`."""
        cpu = self.current().cpu
        cpu.irqs_off.value += 1

    def local_irq_enable(self) -> None:
        cpu = self.current().cpu
        if cpu.irqs_off.value <= 0:
            raise ModelError(
                f"local_irq_enable() on {cpu.name} with IRQs already enabled.",
                where=caller_location(),
                hint="Pair every local_irq_enable with a local_irq_disable on the same CPU.",
            )
        cpu.irqs_off.value -= 1

    def smp_processor_id(self) -> int:
        """The CPU the current context runs on."""
        return self.current().cpu.index

    def preempt_disable(self) -> None:
        cpu = self.current().cpu
        cpu.preempt_count.value += 1

    def preempt_enable(self) -> None:
        cpu = self.current().cpu
        if cpu.preempt_count.value <= 0:
            raise ModelError(
                f"preempt_enable() on {cpu.name} without preempt_disable().",
                where=caller_location(),
            )
        cpu.preempt_count.value -= 1

    # ------------------------------------------------------------- scheduler
    def _candidates(self, cpu: Cpu) -> list[str]:
        """The runnable tasks of `cpu` besides its current one; SCHED_FIFO ones only,
        when there are any (they run first)."""
        found = [
            name
            for name, task in self.tasks.items()
            if task.cpu.value == cpu.index and task.runnable() and name != cpu.curr.value
        ]
        if self.has_fifo and any(self.tasks[name].fifo for name in found):
            return [name for name in found if self.tasks[name].fifo]
        return found

    def fifo_preempts(self, cpu: Cpu) -> bool:
        """A runnable SCHED_FIFO task waits on `cpu` while a normal task runs there
        preemptible: it takes the CPU at the next preemption point (the wake-up set
        NEED_RESCHED), spending no preemption of the budget."""
        if not self.has_fifo or cpu.preempt_count.value or cpu.irqs_off.value:
            return False
        curr = cpu.curr.value
        if curr is None or self.tasks[curr].fifo or not self.tasks[curr].runnable():
            return False
        return any(self.tasks[name].fifo for name in self._candidates(cpu))

    def _may_switch(self, cpu: Cpu) -> bool:
        if cpu.stack.value or not self._candidates(cpu):
            return False
        curr = cpu.curr.value
        if curr is None or not self.tasks[curr].runnable():
            return True
        if self.tasks[curr].fifo:
            return False  # SCHED_FIFO runs until it blocks
        preemptible = cpu.preempt_count.value == 0 and cpu.irqs_off.value == 0
        return preemptible and (self.preemptions.value > 0 or self.fifo_preempts(cpu))

    def _budget_keeps_out(self) -> bool:
        """The preemption or migration budget (a bound of the search, not of the
        machine) is all that keeps a switch or a migration from happening now."""
        if self.migrations.value == 0 and len(self.cpus) > 1 and self._migratable():
            return True
        if self.preemptions.value > 0:
            return False
        for cpu in self.cpus:
            curr = cpu.curr.value
            if cpu.stack.value or curr is None or not self.tasks[curr].runnable():
                continue
            if self.tasks[curr].fifo or cpu.preempt_count.value or cpu.irqs_off.value:
                continue
            if self._candidates(cpu):
                return True
        return False

    def _scheduler(self, cpu: Cpu) -> Steps:
        """`schedule()` on one CPU: pick the next task when idle, or preempt."""
        while True:
            yield self.env.wait_until(
                lambda: self._may_switch(cpu), f"schedule {cpu.name}", idle=True
            )
            prev = cpu.curr.value
            forced = self.fifo_preempts(cpu)
            choices = self._candidates(cpu)
            nxt = self.env.choose(choices, f"{cpu.name} next task")
            preempt = prev is not None and self.tasks[prev].runnable()
            if preempt and not forced:
                self.preemptions.value -= 1
            cpu.curr.value = nxt
            self.emit("sched_switch", cpu=cpu.name, prev=prev, next=nxt, preempt=preempt)

    def _migratable(self) -> list[str]:
        return [
            name
            for name, task in self.tasks.items()
            if task.runnable()
            and not task.kthread
            and task.ran.value
            and self.cpus[task.cpu.value].curr.value != name
        ]

    def _migrator(self) -> Steps:
        """Move a preempted task to another CPU (within the migration budget)."""
        while True:
            yield self.env.wait_until(
                lambda: self.migrations.value > 0 and bool(self._migratable()),
                "migrate",
                idle=True,
            )
            name = self.env.choose(self._migratable(), "task to migrate")
            task = self.tasks[name]
            others = [c.index for c in self.cpus if c.index != task.cpu.value]
            target = self.env.choose(others, "migrate to")
            self.migrations.value -= 1
            src = task.cpu.value
            task.cpu.value = target
            self.env.processes[name].context = f"cpu{target}/task"
            self.emit("migrate", task=name, src=f"cpu{src}", dst=f"cpu{target}")
