"""Lock-free lists (`llist_add`, `llist_del_all`), include/linux/llist.h.

`llist_add` is a cmpxchg loop: it reads the head, and in a later step swaps in the
new node only if the head is unchanged; each attempt is a step, so an NMI-like
handler that adds in between makes the interrupted attempt retry, and nothing is
lost. `llist_del_all` is one atomic exchange.
"""

from __future__ import annotations

from typing import Any

from rasmodel.kernel.cpu import Kernel, Steps


class LList:
    """`struct llist_head`: the nodes, newest first."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.head: Any = kernel.env.var(f"{name}.head", ())

    def llist_add(self, node: Any) -> Steps:
        k = self.kernel
        while True:
            first = self.head.value
            yield k.step(f"llist_add {self.name} cmpxchg")
            if self.head.value == first:
                self.head.value = (node, *first)
                k.emit("llist_add", list=self.name, node=node)
                return
            k.emit("llist_add_retry", list=self.name)

    def llist_del_all(self) -> tuple[Any, ...]:
        """Take every node, oldest first (as the callers reverse the list)."""
        nodes = self.head.value
        self.head.value = ()
        return tuple(reversed(nodes))
