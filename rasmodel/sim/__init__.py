"""The simulation floor: the one place that touches SimPy (see `sim.env`)."""

from rasmodel.sim.env import Env, Event, Halt, Process, StepFailed
from rasmodel.sim.process import Pending, Step, TraceEvent
from rasmodel.sim.state import Queue, Var

__all__ = [
    "Env",
    "Event",
    "Halt",
    "Pending",
    "Process",
    "Queue",
    "Step",
    "StepFailed",
    "TraceEvent",
    "Var",
]
