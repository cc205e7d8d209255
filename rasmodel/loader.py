"""Loading a model file: import it and find its `rm.Model`."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from typing import Any

from rasmodel.errors import Location, ModelError, UsageError, describe_exception
from rasmodel.errors import location_of_traceback as _where
from rasmodel.model import Model


def load_model(path: str) -> Model:
    """Import `path` (optionally `path:name`) and return the Model it defines."""
    file, _, attr = path.partition(":") if not os.path.exists(path) else (path, "", "")
    if not os.path.isfile(file):
        raise UsageError(
            f"{file}: no such model file. Pass the path of a Python file that defines an "
            "rm.Model, e.g. `rasmodel check models/examples/lost_update.py`."
        )
    models = models_in(file)
    if attr:
        if attr not in models:
            raise UsageError(f"{file} defines no Model named {attr!r} (it has {sorted(models)}).")
        model = models[attr]
    elif len(models) == 1:
        model = next(iter(models.values()))
    elif "model" in models:
        model = models["model"]
    elif not models:
        raise ModelError(
            "the file defines no rasmodel Model.",
            where=Location(file, 1),
            hint='Create one at module level: `model = rm.Model("name", params={...})`.',
        )
    else:
        raise UsageError(
            f"{file} defines several models ({', '.join(sorted(models))}); "
            f"pick one with {file}:NAME."
        )
    model.path = os.path.relpath(os.path.abspath(file))
    return model


def models_in(file: str) -> dict[str, Model]:
    """Import `file` and return the Models it defines at module level, by name (each
    with its `path` set)."""
    module = _import(file)
    models = {name: obj for name, obj in vars(module).items() if isinstance(obj, Model)}
    for model in models.values():
        model.path = os.path.relpath(os.path.abspath(file))
    return models


# The files each model file opened while it was imported (a configuration it reads
# next to it, say), by the model file's absolute path: a parallel check sends them to
# workers with the model's source (`parallel.job`).
OPENED: dict[str, set[str]] = {}
_recording: list[set[str]] = []  # the set of the import running now, if any
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Note the files opened for reading during a model's import (an audit hook: it
    sees `open()` wherever the model calls it)."""
    if event == "open" and _recording and isinstance(args[0], (str, bytes, os.PathLike)):
        mode = args[1]
        if not isinstance(mode, str) or not set(mode) & set("wax+"):
            _recording[-1].add(os.path.abspath(os.fsdecode(args[0])))


def _import(file: str) -> object:
    global _hooked
    if not _hooked:  # an audit hook stays for good: one, added once
        sys.addaudithook(_audit)
        _hooked = True
    opened: set[str] = set()
    _recording.append(opened)
    try:
        return _import_module(file)
    finally:
        _recording.pop()
        OPENED[os.path.abspath(file)] = opened


def _import_module(file: str) -> object:
    digest = hashlib.sha1(os.path.abspath(file).encode()).hexdigest()[:10]
    name = f"rasmodel_user_{digest}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise UsageError(f"{file}: cannot be imported as a Python module (is it a .py file?).")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    directory = os.path.dirname(os.path.abspath(file))
    if directory not in sys.path:
        sys.path.insert(0, directory)  # so a model can import its sibling modules
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        del sys.modules[name]
        raise ModelError(
            f"syntax error: {error.msg}.",
            where=Location(error.filename or file, error.lineno or 1),
            hint="Fix the Python syntax of the model file.",
        ) from None
    except ModelError:
        del sys.modules[name]
        raise
    except Exception as error:
        del sys.modules[name]
        raise ModelError(
            f"importing the model raised {describe_exception(error)}.",
            where=_where(error.__traceback__) or Location(file, 1),
            hint=_import_hint(error),
        ) from None
    return module


def _import_hint(error: Exception) -> str:
    if isinstance(error, ModuleNotFoundError):
        return (
            f"Install the missing module ({error.name}) or fix the import; models import "
            "rasmodel as `import rasmodel as rm`."
        )
    return "Fix the model file so that it imports cleanly."
