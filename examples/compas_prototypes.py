"""Prototypes of recidivism risk on COMPAS, in the data's own units.
=================================================================

Fits PrototypeClassifier on ProPublica's COMPAS data (two-year recidivism,
6172 defendants after the standard filter), prints the held-out accuracy, the
decoded prototypes as a table of ages, prior counts and one-hot categories,
the class each prototype speaks for, and the explanation of one defendant's
prediction by the prototypes it is nearest to, saved as a PNG. Decoded prototypes are the
decoder's output g(p_j): a one-hot column near 0.9 reads "mostly this category",
and values may fall slightly outside the data's range.

Run from a shell::

    python examples/compas_prototypes.py [DATA_HOME [OUTPUT_DIR]]

DATA_HOME holds compas/compas-scores-two-years.csv (default: sklearn_interp's
data home; the file is downloaded from ProPublica and verified when missing);
OUTPUT_DIR defaults to examples/output.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklearn_interp import PrototypeClassifier  # noqa: E402
from sklearn_interp.datasets import fetch_compas  # noqa: E402

# beside this script (sphinx-gallery, which runs the examples for the docs, defines no __file__)
OUTPUT_DIR = Path(sys.argv[0]).resolve().parent / "output"


def main(data_home=None, output_dir=OUTPUT_DIR):
    compas = fetch_compas(data_home=data_home)
    X = pd.DataFrame(compas.data, columns=compas.feature_names)
    y = np.asarray(compas.target_names)[compas.target]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

    clf = PrototypeClassifier(n_prototypes=6, max_epochs=30, random_state=0).fit(X_train, y_train)
    print(f"test accuracy: {clf.score(X_test, y_test):.3f} ({len(X_test)} held-out defendants)")

    prototypes = pd.DataFrame(clf.decoded_prototypes_.astype(float), columns=clf.feature_names_in_).round(2)
    prototypes.insert(0, "speaks_for", clf.classes_[clf.class_weights_.argmin(axis=0)])
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print("\ndecoded prototypes (feature values in the data's units):")
        print(prototypes.T.to_string())

    explanation = clf.explain(X_test.iloc[:1])[0]
    print(f"\ndefendant {X_test.index[0]}: predicted {explanation['predicted_class']} "
          f"(p={explanation['probabilities'].max():.2f}), actual {y_test[0]}; nearest prototypes "
          f"{explanation['nearest_prototypes'].tolist()} at squared latent distances "
          f"{np.round(explanation['nearest_distances'], 3).tolist()}")
    output_dir.mkdir(parents=True, exist_ok=True)
    explanation.plot().figure.savefig(output_dir / "compas_prototypes_explanation.png", dpi=110, bbox_inches="tight")
    print(f"saved {output_dir / 'compas_prototypes_explanation.png'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None,
         Path(sys.argv[2]) if len(sys.argv) > 2 else OUTPUT_DIR)
