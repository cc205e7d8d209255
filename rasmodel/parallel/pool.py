"""The workers, behind the standard `concurrent.futures` interface: local processes,
a Dask cluster's executor, or inline (tests)."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import redirect_stdout
from typing import Any

from rasmodel.errors import UsageError
from rasmodel.parallel.job import Job
from rasmodel.parallel.worker import run_unit
from rasmodel.watchdog import outside_steps

FIRST_SLICE = 0.25  # seconds: the first unit is cut early so that every worker gets work
SLICE = 0.5  # seconds of search a unit runs before it returns what is left
INLINE = "inline"
CONNECT_SECONDS = 10  # to reach a Dask scheduler
CLOSE_SECONDS = 5  # to close a Dask client or local cluster (its workers may be gone)


class Pool:
    """Workers behind a `concurrent.futures.Executor`: local processes, or a Dask
    cluster's."""

    def __init__(self, job: Job, jobs: int, cluster: str | None) -> None:
        self.job = job
        self.jobs = jobs
        self.cluster = cluster
        self.client: Any = None
        self.local_cluster: Any = None
        self.executor: Executor = self._start()
        self.size = jobs if cluster in (None, INLINE) else max(self._cluster_processes(), 1)

    def slice(self, short: bool) -> float:
        """The seconds a unit searches before it returns what is left (inline: one
        execution, so that tests cut the search at every execution)."""
        if self.cluster == INLINE:
            return 0.0
        return FIRST_SLICE if short else SLICE

    def _start(self) -> Executor:
        if self.cluster is None:
            return ProcessPoolExecutor(max_workers=self.jobs, initializer=_quiet_worker)
        if self.cluster == INLINE:
            return Inline()
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(
                "--cluster needs Dask's distributed scheduler: pip install 'rasmodel[cluster]'."
            ) from None
        with outside_steps():
            if self.cluster == "local":
                self.local_cluster = LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.CRITICAL,  # a worker's warnings are not the user's
                )
                self.client = Client(self.local_cluster)
            else:
                self.client = self._connect(Client)
        return self.client.get_executor(pure=False)

    def _connect(self, client: Any) -> Any:
        """A client of the scheduler at `--cluster ADDRESS`, or a usage error saying
        why not (a malformed address, nothing listening there)."""
        try:
            return client(self.cluster, timeout=f"{CONNECT_SECONDS}s")
        except ValueError as error:
            raise UsageError(
                f"--cluster {self.cluster!r} is not a Dask scheduler address ({error}): give "
                "tcp://HOST:PORT (the address `dask scheduler` prints; 8786 by default), "
                "or `local` for a cluster on this machine."
            ) from None
        except (OSError, TimeoutError) as error:
            raise UsageError(
                f"--cluster {self.cluster}: cannot reach a Dask scheduler there within "
                f"{CONNECT_SECONDS} s ({error}). Start one with `dask scheduler` and workers "
                "with `dask worker ADDRESS`, or use --cluster local."
            ) from None

    def _cluster_processes(self) -> int:
        """Worker processes: a process runs one unit at a time (see `run_unit`)."""
        return len(self.client.nthreads()) if self.client is not None else self.jobs

    def submit(self, payload: bytes) -> Future[bytes]:
        local = self.cluster in (None, INLINE)
        return self.executor.submit(run_unit if local else run_unit_on_cluster, self.job, payload)

    def poll(self) -> None:
        """Let an inline executor run a unit (workers run on their own)."""
        if isinstance(self.executor, Inline):
            self.executor.run_one()

    def restart(self) -> None:
        self._shutdown()
        self.executor = self._start()

    def _shutdown(self) -> None:
        if isinstance(self.executor, ProcessPoolExecutor):
            # Units still running when the search stops (interrupted, or decided while
            # units ran ahead) are abandoned: their workers are stopped, not waited for.
            processes = list(getattr(self.executor, "_processes", {}).values())
            self.executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        else:
            self.executor.shutdown(wait=False)

    def lost(self, error: BaseException) -> bool:
        """A Dask worker died while it ran the unit (the scheduler gave up on it)."""
        return type(error).__name__ in ("KilledWorker", "CommClosedError", "FutureCancelledError")

    def close(self) -> None:
        self._shutdown()
        with outside_steps():
            if self.client is not None:
                self.client.close(timeout=CLOSE_SECONDS)
            if self.local_cluster is not None:
                self.local_cluster.close(timeout=CLOSE_SECONDS)


def run_unit_on_cluster(job: Job, payload: bytes) -> bytes:
    """`run_unit` in a Dask worker, whose stdout may be the coordinator's (a
    LocalCluster's): what the model prints goes to stderr, as it must with
    `--format json`, where stdout is the result document alone."""
    with redirect_stdout(sys.stderr):
        return run_unit(job, payload)


def _quiet_worker() -> None:
    """A local worker ignores Ctrl-C: the coordinator, in the same process group,
    takes it, keeps what was committed, and stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's: stopped, it just ends


class Inline(Executor):
    """Runs the units in this process (`cluster="inline"`), newest first, when the
    coordinator waits: every unit but the oldest runs ahead of the units before it,
    so that tests go through speculation, re-runs and the commits in order without
    worker processes."""

    def __init__(self) -> None:
        self.queue: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.queue.append((future, fn, args))
        return future

    def run_one(self) -> None:
        if not self.queue:
            return
        future, fn, args = self.queue.pop()
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # noqa: BLE001 - handed to the caller as it is
            future.set_exception(error)
