"""A self-explaining neural network on COMPAS in the SENN paper's setting (§5.1).
==============================================================================

Fits SENNClassifier on the 11 FairML features (target: COMPAS score Medium or
High), reports held-out accuracy, and explains one defendant: each feature's
relevance θ(x) for the predicted class and its contribution θ(x)·h(x), which
sum to the model's logit. Saves the relevance bars as a PNG.

Run from a shell::

    python examples/senn_compas.py [DATA_HOME [OUTPUT_DIR]]
    (COMPAS is read from DATA_HOME, default the package's data home, and
    downloaded there when missing; OUTPUT_DIR defaults to examples/output)
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklearn_interp import SENNClassifier  # noqa: E402
from sklearn_interp.datasets import fetch_compas  # noqa: E402

# beside this script (sphinx-gallery, which runs the examples for the docs, defines no __file__)
OUTPUT_DIR = Path(sys.argv[0]).resolve().parent / "output"


def main(data_home=None, output_dir=OUTPUT_DIR):
    compas = fetch_compas(data_home=data_home, features="senn")
    X = pd.DataFrame(compas.data, columns=compas.feature_names)
    y = np.asarray(compas.target_names)[compas.target]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

    clf = SENNClassifier(lam=0.01, max_epochs=30, random_state=0).fit(X_train, y_train)
    print(f"test accuracy: {clf.score(X_test, y_test):.3f} ({len(X_test)} held-out defendants)")

    explanation = clf.explain(X_test.iloc[:1])[0]
    predicted = explanation["predicted_class"]
    k = int(np.flatnonzero(clf.classes_ == predicted)[0])
    table = pd.DataFrame({
        "concept h(x)": explanation["concepts"],
        f"relevance θ(x) for {predicted}": explanation["relevances"][k],
        "contribution θ·h": explanation["contributions"][k],
    }, index=explanation.coords["concept"]).sort_values("contribution θ·h", key=abs, ascending=False)
    print(f"\ndefendant {X_test.index[0]}: predicted {predicted} "
          f"(p={explanation['probabilities'][k]:.2f}), actual {y_test[0]}")
    print(table.round(3).to_string())
    print(f"sum of contributions {table['contribution θ·h'].sum():.4f} = logit {explanation['logits'][k]:.4f}")

    output_dir.mkdir(parents=True, exist_ok=True)
    ax = explanation.plot(kind="relevance")
    ax.figure.savefig(output_dir / "senn_compas_relevances.png", dpi=110)
    print(f"saved {output_dir / 'senn_compas_relevances.png'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None,
         Path(sys.argv[2]) if len(sys.argv) > 2 else OUTPUT_DIR)
