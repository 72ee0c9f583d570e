"""Render the README's plots to docs/images/ (a quick fit of each model, on the CPU).

Run:  python docs/make_images.py [OUTPUT_DIR]   (default: docs/images)
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402

from sklearn_interp import PrototypeClassifier  # noqa: E402

QUICK = dict(max_epochs=10, device="cpu", random_state=0)


def save(ax, path):
    ax.figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"saved {path}")


def main(output_dir):
    output_dir.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    images = PrototypeClassifier(n_prototypes=15, **QUICK).fit(digits.images / 16.0, digits.target)
    save(images.explain_global().plot(kind="prototypes"), output_dir / "digits_prototypes.png")
    save(images.explain_global().plot(kind="weights"), output_dir / "digits_weights.png")
    save(images.explain(digits.images[:1] / 16.0)[0].plot(), output_dir / "digits_margin.png")

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    tabular = PrototypeClassifier(n_prototypes=6, **QUICK).fit(X, y)
    save(tabular.explain_global().plot(kind="prototypes"), output_dir / "breast_cancer_prototypes.png")
    save(tabular.explain(X.iloc[:1])[0].plot(n_prototypes=4), output_dir / "breast_cancer_margin.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "images")
