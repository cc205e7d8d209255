"""The kernel vocabulary for RAS models, built only on the public engine API.

`Kernel` (CPUs, contexts, tasks, the scheduler), `SpinLock`, `Mutex`, `WaitQueue`,
`Completion`, `panic`, `PerCpu`, `LList`, `KFifo`, `GenPool`, `IrqWork`, `Workqueue`,
`task_work_add` and TIF flags with `exit_to_user`, `Memory` (pages, SEA,
`memory_failure`, SIGBUS) and `MemoryFailureQueue`. Every primitive emits trace
events named after the kernel function it models.
"""

from rasmodel.kernel.cpu import HARDIRQ, NMI, TASK, Context, Cpu, Kernel, Task
from rasmodel.kernel.genpool import GenPool
from rasmodel.kernel.irq_work import IrqWork
from rasmodel.kernel.kfifo import KFifo
from rasmodel.kernel.llist import LList
from rasmodel.kernel.locks import SpinLock
from rasmodel.kernel.memory_failure import MemoryFailureQueue
from rasmodel.kernel.mm import AO, AR, EFAULT, EHWPOISON, MF_ACTION_REQUIRED, Memory, Page
from rasmodel.kernel.percpu import PerCpu
from rasmodel.kernel.sync import Completion, Mutex, WaitQueue, panic
from rasmodel.kernel.task_work import (
    exit_to_user,
    set_tsk_thread_flag,
    task_work_add,
    task_work_run,
)
from rasmodel.kernel.workqueue import Work, Workqueue

__all__ = [
    "AO",
    "AR",
    "EFAULT",
    "EHWPOISON",
    "HARDIRQ",
    "MF_ACTION_REQUIRED",
    "NMI",
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
    "SpinLock",
    "Task",
    "WaitQueue",
    "Work",
    "Workqueue",
    "exit_to_user",
    "panic",
    "set_tsk_thread_flag",
    "task_work_add",
    "task_work_run",
]
