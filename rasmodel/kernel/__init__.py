"""The kernel vocabulary for RAS models, built only on the public engine API.

`Kernel` (CPUs, contexts, tasks, the scheduler), `SpinLock`, `LList`, `KFifo`,
`GenPool`, `IrqWork`, `Workqueue`, `task_work_add` and TIF flags with
`exit_to_user`, and `Memory` (pages, SEA, `memory_failure`, SIGBUS). Every
primitive emits trace events named after the kernel function it models.
"""

from rasmodel.kernel.cpu import HARDIRQ, NMI, TASK, Context, Cpu, Kernel, Task
from rasmodel.kernel.genpool import GenPool
from rasmodel.kernel.irq_work import IrqWork
from rasmodel.kernel.kfifo import KFifo
from rasmodel.kernel.llist import LList
from rasmodel.kernel.locks import SpinLock
from rasmodel.kernel.mm import AO, AR, MF_ACTION_REQUIRED, Memory, Page
from rasmodel.kernel.task_work import exit_to_user, set_tsk_thread_flag, task_work_add
from rasmodel.kernel.workqueue import Work, Workqueue

__all__ = [
    "AO",
    "AR",
    "HARDIRQ",
    "MF_ACTION_REQUIRED",
    "NMI",
    "TASK",
    "Context",
    "Cpu",
    "GenPool",
    "IrqWork",
    "KFifo",
    "Kernel",
    "LList",
    "Memory",
    "Page",
    "SpinLock",
    "Task",
    "Work",
    "Workqueue",
    "exit_to_user",
    "set_tsk_thread_flag",
    "task_work_add",
]
