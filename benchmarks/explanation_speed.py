"""Speed of ``Explanation.to_frame`` and ``Explanation.concat`` on a large explanation.

A prototype-shaped local explanation of 100k samples, 10 classes and 15
prototypes (``contributions`` alone holds 15M values) with string class labels,
explained in 10 chunks: times ``concat`` of the chunks and ``to_frame`` of each
quantity (best of ``--repeats``). Writes ``results/explanation_speed.json``.

Run:  python -m benchmarks.explanation_speed [--samples N] [--repeats K]
"""

import argparse
import json
import time

import numpy as np

from sklearn_interp import Explanation, __version__
from sklearn_interp._io import to_jsonable, write_text_atomic

from .runner import RESULTS_DIR


def make_explanation(n_samples, n_classes=10, n_prototypes=15, n_nearest=3, seed=0):
    rng = np.random.default_rng(seed)
    classes = np.array([f"class {k}" for k in range(n_classes)])
    distances = rng.random((n_samples, n_prototypes))
    contributions = rng.standard_normal((n_classes, n_prototypes))[None] * distances[:, None]
    logits = contributions.sum(axis=2)
    order = np.argsort(distances, axis=1)[:, :n_nearest]
    data = {
        "distances": distances, "contributions": contributions, "logits": logits,
        "nearest_prototypes": order, "predicted_class": classes[logits.argmax(axis=1)],
    }
    dims = {
        "distances": ("sample", "prototype"), "contributions": ("sample", "class", "prototype"),
        "logits": ("sample", "class"), "nearest_prototypes": ("sample", "rank"),
        "predicted_class": ("sample",),
    }
    coords = {"class": classes, "prototype": np.arange(n_prototypes), "sample": np.arange(n_samples) * 10}
    return Explanation(data, dims, coords, {"method": "prototype", "scope": "local"})


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(n_samples=100_000, repeats=3, n_chunks=10):
    explanation = make_explanation(n_samples)
    chunks = [explanation[i] for i in np.array_split(np.arange(n_samples), n_chunks)]
    result = {
        "version": __version__, "n_samples": n_samples, "n_classes": 10, "n_prototypes": 15,
        "repeats": repeats, "n_chunks": n_chunks,
        "concat_s": best_time(lambda: Explanation.concat(chunks), repeats),
        "to_frame_s": {key: best_time(lambda key=key: explanation.to_frame(key), repeats)
                       for key in explanation.keys()},
        "to_frame_all_s": best_time(explanation.to_frame, repeats),
        "contributions_rows": int(explanation["contributions"].size),
    }
    write_text_atomic(RESULTS_DIR / "explanation_speed.json", json.dumps(to_jsonable(result), indent=2) + "\n")
    print(json.dumps(to_jsonable(result), indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    main(args.samples, args.repeats)
