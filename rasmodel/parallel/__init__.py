"""`--jobs N` and `--cluster ADDRESS`: one search run by several worker processes.

The coordinator (this process) holds the committed path of the depth-first search
and a plan of units in the order the single search would explore them (see
`explore.units`); workers search units and send back what they found. Units are
committed in that order, so verdicts, executions and pruned runs are those of
`--jobs 1` whatever the number of workers and however the work was cut. Sampling
strategies (random, pct, hypothesis) run one shard per worker with disjoint seeds.

Workers are reached through the standard `concurrent.futures` interface: local
processes (`ProcessPoolExecutor`) or a Dask distributed cluster (its client's
executor); nothing here does networking of its own. The model reaches a worker by
content (its file and the local modules it imports) with the rasmodel version, and
a worker of another version refuses it. A unit whose worker died is run again.
"""

from rasmodel.parallel.coordinator import ParallelSearch
from rasmodel.parallel.job import Job, job_for
from rasmodel.parallel.pool import INLINE, Inline, Pool
from rasmodel.parallel.worker import run_unit

__all__ = ["INLINE", "Inline", "Job", "ParallelSearch", "Pool", "job_for", "run_unit"]
