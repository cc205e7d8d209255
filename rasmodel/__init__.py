"""rasmodel: a concurrency model checker for kernel error-handling (RAS) designs.

A model is ordinary Python building SimPy processes; rasmodel explores the orders in
which they can run, checks properties on every execution, and returns each violation
as a minimal, replayable counterexample. See README.md and docs/.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from rasmodel.errors import ModelError, RasmodelError, UsageError  # noqa: E402
from rasmodel.model import Model  # noqa: E402
from rasmodel.properties import after, at_most_once, before, eventually, never  # noqa: E402
from rasmodel.sim import Env, Event, Halt, Process, Queue, Step, TraceEvent, Var  # noqa: E402


def check(model: Model | str, **options: Any) -> Result:
    """Check a model (or a model file path); returns a Result with `.ok`, `.verdicts`..."""
    from rasmodel.search import check as _check

    return _check(model, **options)


from rasmodel.result import Counterexample, Result, Verdict  # noqa: E402

__all__ = [
    "Counterexample",
    "Env",
    "Event",
    "Halt",
    "Model",
    "ModelError",
    "Process",
    "Queue",
    "RasmodelError",
    "Result",
    "Step",
    "TraceEvent",
    "UsageError",
    "Var",
    "Verdict",
    "after",
    "at_most_once",
    "before",
    "check",
    "eventually",
    "never",
    "__version__",
]
