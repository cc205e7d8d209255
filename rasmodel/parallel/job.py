"""The job of a parallel check: the model by content, its parameters and options."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import rasmodel
from rasmodel.errors import Location, ModelError, UsageError
from rasmodel.loader import OPENED
from rasmodel.model import Model


@dataclass(frozen=True)
class Job:
    """What every unit of one check needs: the model by content and the options."""

    version: str
    files: tuple[tuple[str, str], ...]  # (path relative to the model's directory, source)
    main: str  # the model file, relative to the same directory
    model_name: str
    params: tuple[tuple[str, Any], ...]
    names: tuple[str, ...]
    options: Any  # search.Options
    origin: str | None = None  # the model's directory as the user's messages show it
    data: tuple[tuple[str, bytes], ...] = ()  # other files it opened while imported

    @property
    def key(self) -> str:
        return hashlib.sha1(repr((self.files, self.main, self.data)).encode()).hexdigest()[:16]


def job_for(model: Model, params: dict[str, Any], names: list[str], options: Any) -> Job:
    """The job of a check of `model`: its file and every module it imported from its
    own directory (or below), read now."""
    main = os.path.abspath(model.path) if model.path else ""
    holder = _defined_in(model, main) if main else None
    if holder is None or holder == "__main__":
        if holder == "__main__":
            where = "is defined in the script being run"
        else:
            where = "is not defined at module level in a file"
        raise UsageError(
            f"model {model.name!r} {where}, so it cannot be sent to workers "
            "(a worker loads the model's file, and runs what the file runs): --jobs and "
            "--cluster need a model file of its own (`rasmodel check FILE.py`, or "
            "`rm.check('FILE.py', jobs=N)`)."
        )
    root = os.path.dirname(main)
    files = {os.path.basename(main): _read(main)}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        path = os.path.abspath(path)
        if path.startswith(root + os.sep) and path != main:
            files[os.path.relpath(path, root)] = _read(path)
    return Job(
        rasmodel.__version__,
        tuple(sorted(files.items())),
        os.path.basename(main),
        model.name,
        tuple(sorted(params.items())),
        tuple(names),
        options,
        _shown(root),
        _data(main, root, files),
    )


DATA_LIMIT = 64 << 20  # bytes of data files a job carries


def _data(main: str, root: str, sources: dict[str, str]) -> tuple[tuple[str, bytes], ...]:
    """The files under the model's directory that it opened while it was imported (a
    configuration next to it), other than its modules: a worker needs them too."""
    data = {}
    for path in sorted(OPENED.get(main, ())):
        relative = os.path.relpath(path, root)
        if not path.startswith(root + os.sep) or relative in sources or "__pycache__" in path:
            continue
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                data[relative] = handle.read()
    size = sum(len(content) for content in data.values())
    if size > DATA_LIMIT:
        raise UsageError(
            f"the model opened {size >> 20} MiB of files next to it while it was imported "
            f"({', '.join(sorted(data))}), which --jobs and --cluster would send to every "
            "worker: keep what the model reads small, or run without --jobs."
        )
    return tuple(data.items())


def _defined_in(model: Model, path: str) -> str | None:
    """The name of a module loaded from `path` that holds `model` at its top level
    (what a worker loading that file finds), or None."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and os.path.abspath(file) == path and model in vars(module).values():
            return name
    return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# per worker process: the directory each job was written to, and the models it loaded
_UNPACKED: dict[str, str] = {}
_LOADED: dict[str, Model] = {}


def unpacked(job: Job) -> str:
    """The private directory the job's files are written to, once per worker."""
    root = _UNPACKED.get(job.key)
    if root is None:
        root = tempfile.mkdtemp(prefix=f"rasmodel-{job.key}-")
        files = [(relative, source.encode()) for relative, source in job.files]
        for relative, content in files + list(job.data):
            path = os.path.join(root, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(content)
        _UNPACKED[job.key] = root
    return root


def model_of(job: Job) -> Model:
    """The job's model, loaded from its private directory once per worker."""
    loaded = _LOADED.get(job.key)
    if loaded is not None:
        return loaded
    from rasmodel.loader import models_in

    models = models_in(os.path.join(unpacked(job), job.main))
    chosen = [m for m in models.values() if m.name == job.model_name]
    if not chosen:
        raise ModelError(f"the model file sent to the worker defines no model {job.model_name!r}.")
    loaded = _LOADED[job.key] = chosen[0]
    return loaded


def _shown(directory: str) -> str:
    """How messages show a file of `directory` (as `Location` shortens it), up to the
    file's name: relative to the working directory when below it."""
    return str(Location(os.path.join(directory, "x"), 1))[: -len("x:1")]


def homed(text: str, root: str, origin: str | None) -> str:
    """`text` with the worker's private copy of the model's directory replaced by the
    directory the user knows."""
    return text.replace(root + os.sep, origin) if origin is not None else text
