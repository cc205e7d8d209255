"""Errors rasmodel reports to users: each one paragraph naming the file, line and fix.

The CLI turns every `RasmodelError` into its `exit_code` and prints `str(error)`;
a traceback from rasmodel's own code is shown only with `--debug`.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import traceback
from dataclasses import dataclass
from types import FrameType, TracebackType

import simpy

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBRARY_DIRS = tuple(
    os.path.abspath(d) + os.sep
    for d in {
        _PACKAGE_DIR,
        os.path.dirname(os.path.abspath(simpy.__file__)),
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
    }
)


class RasmodelError(Exception):
    """Base of the errors the CLI reports as one paragraph with an exit code."""

    exit_code = 2


class UsageError(RasmodelError):
    """Bad command line or API arguments (exit 2)."""


class ModelError(RasmodelError):
    """The model is broken: it fails to import, raises during build, misuses the API."""

    def __init__(self, message: str, *, where: Location | None = None, hint: str = "") -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        """One paragraph: location, what happened, what to do."""
        head = f"{self.where}: " if self.where else ""
        tail = f" {self.hint}" if self.hint else ""
        return f"{head}{self.message}{tail}"


class NondeterminismError(ModelError):
    """Re-executing a choice prefix did not reproduce what the first execution saw."""


class ReplayMismatch(RasmodelError):
    """A recorded choice sequence no longer fits the model (replay exit 2)."""


@dataclass(frozen=True)
class Location:
    """A file and line in user code, printed as `file:line`."""

    file: str
    line: int
    function: str = ""

    def __str__(self) -> str:
        return f"{_short(self.file)}:{self.line}"


def _short(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


def is_user_file(filename: str) -> bool:
    """True for files written by the model author: not rasmodel, SimPy or installed code."""
    if filename.startswith("<"):
        return False
    return not os.path.abspath(filename).startswith(_LIBRARY_DIRS)


def location_of_traceback(tb: TracebackType | None) -> Location | None:
    """The innermost frame of a traceback that lies in user code."""
    found: Location | None = None
    for frame, lineno in traceback.walk_tb(tb):
        if is_user_file(frame.f_code.co_filename):
            found = Location(frame.f_code.co_filename, lineno, frame.f_code.co_name)
    return found


def location_of_frame(frame: FrameType | None) -> Location | None:
    """The nearest caller frame that lies in user code (outside rasmodel)."""
    while frame is not None:
        if is_user_file(frame.f_code.co_filename):
            return Location(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


def caller_location(depth: int = 2) -> Location | None:
    """Where the user code that called into rasmodel is."""
    return location_of_frame(sys._getframe(depth))


def describe_exception(exc: BaseException) -> str:
    """`TypeError: message` with the message trimmed to one line."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
