"""The live progress line on a terminal (executions, steps/s, depth, elapsed).

Nothing is printed when stderr is not a terminal, so piped output stays clean;
`rich` is imported only when a terminal is there to draw on.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from rasmodel.result import Stats


class Progress:
    """A context manager whose `update` is the checker's progress callback."""

    def __init__(self, label: str, *, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._live: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                "", console=Console(stderr=True), transient=True, refresh_per_second=8
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, error, tb)

    def update(self, stats: Stats, depth: int, note: str) -> None:
        if self._live is None:
            return
        rate = stats.steps / stats.seconds if stats.seconds > 0 else 0.0
        pruned = f"  pruned {stats.pruned:,}" if stats.pruned else ""
        self._live.update(
            f"[bold]{self.label}[/]  executions {stats.executions:,}{pruned}  "
            f"steps/s {rate:,.0f}  depth {depth}  elapsed {stats.seconds:.1f}s {note}"
        )
