"""Quickstart: a prototype network on scikit-learn's bundled digits (8x8 images).
==============================================================================

Fits PrototypeClassifier, reports held-out accuracy, explains one prediction by
its nearest prototypes and saves the decoded prototypes, the class weights W
and that explanation as PNG files.

Run from a shell::

    python examples/quickstart.py [OUTPUT_DIR]   (default: examples/output)
"""

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklearn_interp import PrototypeClassifier  # noqa: E402

# beside this script (sphinx-gallery, which runs the examples for the docs, defines no __file__)
OUTPUT_DIR = Path(sys.argv[0]).resolve().parent / "output"


def main(output_dir):
    output_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    digits = load_digits()
    images = digits.images / 16.0  # (n, 8, 8), pixels in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    # 100 epochs (the default cap) without the convergence rule: the training loss still falls
    # by more than tol there, and a default fit would say so with a ConvergenceWarning.
    clf = PrototypeClassifier(n_prototypes=15, tol=None, random_state=0).fit(X_train, y_train)
    print(f"test accuracy: {clf.score(X_test, y_test):.4f} on {len(X_test)} held-out digits")

    explanation = clf.explain(X_test[:1])[0]
    nearest = explanation["nearest_prototypes"]
    print(f"sample 0: true {y_test[0]}, predicted {explanation['predicted_class']}, "
          f"nearest prototypes {nearest.tolist()} at squared distances "
          f"{[round(float(d), 3) for d in explanation['nearest_distances']]}")
    print("class each prototype speaks for (most negative weight in W):",
          clf.classes_[clf.class_weights_.argmin(axis=0)].tolist())

    for name, draw in [
        ("prototypes.png", lambda: clf.explain_global().plot(kind="prototypes")),
        ("class_weights.png", lambda: clf.explain_global().plot(kind="weights")),
        ("explanation.png", lambda: explanation.plot()),
    ]:
        ax = draw()
        ax.figure.savefig(output_dir / name, dpi=120, bbox_inches="tight")
        print(f"saved {output_dir / name}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_DIR)
