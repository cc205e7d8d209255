"""The kernel vocabulary for RAS models, built only on the public engine API.

`Kernel` (CPUs, contexts, tasks, the scheduler, `cpu_stall`), `SpinLock`, `Mutex`,
`WaitQueue`, `Completion`, `SeqCount`, `SeqLock`, `panic`, `PerCpu`, `LList`, `KFifo`,
`GenPool`, `IrqWork` with `irq_work_run`, `Workqueue`,
`task_work_add` and TIF flags, signals (`force_sig_mceerr`, `get_signal`) and
`exit_to_user`, `Memory` (pages, SEA, `memory_failure`, SIGBUS) and
`MemoryFailureQueue`. Every primitive emits trace
events named after the kernel function it models.
"""

from rasmodel.kernel.cpu import HARDIRQ, NMI, STALL, TASK, Context, Cpu, Kernel, Task
from rasmodel.kernel.entry import exit_to_user
from rasmodel.kernel.genpool import GenPool
from rasmodel.kernel.irq_work import IrqWork, irq_work_run
from rasmodel.kernel.kfifo import KFifo
from rasmodel.kernel.llist import LList
from rasmodel.kernel.locks import SpinLock
from rasmodel.kernel.memory_failure import MemoryFailureQueue
from rasmodel.kernel.mm import (
    AO,
    AR,
    EBUSY,
    EFAULT,
    EHWPOISON,
    MF_ACTION_REQUIRED,
    MF_MUST_KILL,
    Memory,
    Page,
)
from rasmodel.kernel.percpu import PerCpu
from rasmodel.kernel.seqlock import SeqCount, SeqLock
from rasmodel.kernel.signal import (
    BUS_OBJERR,
    SI_KERNEL,
    SIGBUS,
    SIGKILL,
    force_sig,
    force_sig_fault,
    force_sig_mceerr,
    get_signal,
    signal_pending,
)
from rasmodel.kernel.sync import Completion, Mutex, WaitQueue, panic
from rasmodel.kernel.task_work import set_tsk_thread_flag, task_work_add, task_work_run
from rasmodel.kernel.workqueue import Work, Workqueue

__all__ = [
    "AO",
    "AR",
    "BUS_OBJERR",
    "EBUSY",
    "EFAULT",
    "EHWPOISON",
    "HARDIRQ",
    "MF_ACTION_REQUIRED",
    "MF_MUST_KILL",
    "NMI",
    "SIGBUS",
    "SIGKILL",
    "SI_KERNEL",
    "STALL",
    "TASK",
    "Completion",
    "Context",
    "Cpu",
    "GenPool",
    "IrqWork",
    "KFifo",
    "Kernel",
    "LList",
    "Memory",
    "MemoryFailureQueue",
    "Mutex",
    "Page",
    "PerCpu",
    "SeqCount",
    "SeqLock",
    "SpinLock",
    "Task",
    "WaitQueue",
    "Work",
    "Workqueue",
    "exit_to_user",
    "force_sig",
    "force_sig_fault",
    "force_sig_mceerr",
    "get_signal",
    "irq_work_run",
    "panic",
    "set_tsk_thread_flag",
    "signal_pending",
    "task_work_add",
    "task_work_run",
]
