"""The ``out_of_core`` benchmark: explaining more rows than memory holds, on a Dask cluster (issue #19).

A ``SENNClassifier()`` (defaults) is fitted on 20000 rows of a 20-feature
``make_classification`` problem. The rows to explain are made lazily, chunk
by chunk, by the same generator (a Dask array of ``chunk_rows``-row chunks
whose values are drawn inside each task, so the table never exists whole
anywhere), and :func:`sklearn_interp.out_of_core.explain_to_parquet` writes
the ``contributions`` and ``predicted_class`` of every row to Parquet on a
``LocalCluster`` of 2 worker processes with 1 thread each, on 127.0.0.1.
Beside it, the in-memory call (``clf.explain`` on one array of
``in_memory_rows`` rows, in this process, one thread): rows per second of
both. Per cluster run, the peak RSS of each worker process (its
``ru_maxrss``, read on the worker after the run; the workers start fresh
for each row count) and the bytes written. Goal: a worker's peak memory
bounded, the same for every row count.

``--quick`` is a smoke test only (a few thousand rows): its figures mean nothing.
"""

import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification

from sklearn_interp import SENNClassifier
from sklearn_interp.out_of_core import explain_to_parquet

SEED = 0
N_FEATURES = 20
KEYS = ["contributions", "predicted_class"]
FULL = dict(row_counts=(1_000_000, 3_000_000, 10_000_000), chunk_rows=100_000, in_memory_rows=200_000)
QUICK = dict(row_counts=(4_000, 8_000), chunk_rows=2_000, in_memory_rows=2_000)


def _rows(block_id, chunk_rows):
    """Chunk ``block_id`` of the lazy table: the same distribution as the training rows, its own seed."""
    rng = np.random.default_rng([SEED, block_id[0]])
    return rng.standard_normal((chunk_rows, N_FEATURES))


def lazy_table(n_rows, chunk_rows):
    import dask.array as da

    n_chunks = n_rows // chunk_rows
    return da.map_blocks(lambda block_id=None: _rows(block_id, chunk_rows), dtype=np.float64,
                         chunks=((chunk_rows,) * n_chunks, (N_FEATURES,)))


def _worker_peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _folder_mb(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*.parquet")) / 2**20


def run(ctx):
    from distributed import Client, LocalCluster

    p = FULL if not ctx.quick else QUICK
    X, y = make_classification(n_samples=20000, n_features=N_FEATURES, n_informative=10, random_state=SEED)
    clf = SENNClassifier(random_state=SEED, device="cpu").fit(X, y)

    in_memory = _rows((0,), p["in_memory_rows"])
    start = time.perf_counter()
    clf.explain(in_memory)
    in_memory_rate = p["in_memory_rows"] / (time.perf_counter() - start)

    rows = []
    for n_rows in p["row_counts"]:
        out = Path(tempfile.mkdtemp(prefix="out_of_core_"))
        try:
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None, local_directory=str(out / "dask")) as cluster, \
                    Client(cluster) as client:
                client.run(lambda: __import__("torch").set_num_threads(1))
                start = time.perf_counter()
                explain_to_parquet(clf, lazy_table(n_rows, p["chunk_rows"]), out / "explanations", keys=KEYS)
                seconds = time.perf_counter() - start
                peaks = sorted(client.run(_worker_peak_mb).values())
            rows.append({"n_rows": n_rows, "chunk_rows": p["chunk_rows"], "workers": 2, "seconds": seconds,
                         "rows_per_s": n_rows / seconds, "in_memory_rows_per_s": in_memory_rate,
                         "ratio_to_in_memory": n_rows / seconds / in_memory_rate,
                         "worker_peak_rss_mb": peaks, "parquet_mb": _folder_mb(out / "explanations")})
        finally:
            shutil.rmtree(out, ignore_errors=True)
        ctx.record("cluster", rows, params={**p, "keys": KEYS, "model": "SENNClassifier() at its defaults",
                                            "n_features": N_FEATURES},
                   seeds={"data": SEED, "model": SEED}, wall_s=sum(r["seconds"] for r in rows))
