"""Render the README's plots to docs/images/ (a quick fit of each model, on the CPU).

Run:  python docs/make_images.py [OUTPUT_DIR]   (default: docs/images)
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402

from sklearn_interp import PrototypeClassifier, SENNClassifier, SparseRepresenterClassifier  # noqa: E402

QUICK = dict(max_epochs=10, device="cpu", random_state=0)


def save(ax_or_figure, path):
    figure = ax_or_figure if hasattr(ax_or_figure, "savefig") else ax_or_figure.figure
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
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

    senn = SENNClassifier(**QUICK).fit(X, y)  # input concepts: the (standardized) features and a bias
    explanation = senn.explain(X.iloc[::48])  # 12 samples of both classes
    save(explanation[0].plot(n_concepts=10), output_dir / "senn_breast_cancer_relevance.png")
    save(explanation[0].plot(kind="contribution", n_concepts=10),
         output_dir / "senn_breast_cancer_contribution.png")
    save(explanation.plot(kind="grid"), output_dir / "senn_breast_cancer_grid.png")

    # With the default sparsity=1e-4 the sigmoid concepts saturate at 1 on every digit; 0.1 keeps them apart.
    senn_images = SENNClassifier(n_concepts=5, n_examples=7, sparsity=0.1, **QUICK)
    senn_images.fit(digits.images / 16.0, digits.target)
    save(senn_images.explain_global().plot(), output_dir / "senn_digits_grounding.png")
    save(senn_images.explain(digits.images[:1] / 16.0)[0].plot(kind="contribution"),
         output_dir / "senn_digits_contribution.png")

    representer_images(X, y, digits, output_dir)
    leveling_images(output_dir)


def representer_images(X, y, digits, output_dir):
    """Sparse representer plots; longer fits, so that a few examples explain faithfully (eq. 19)."""
    tabular = SparseRepresenterClassifier(max_epochs=30, device="cpu", random_state=0).fit(X, y)
    # h agrees with g on >99% of X at U=10; sample 40 draws on examples for and against its class
    explanation = tabular.explain(X.iloc[[40]], n_examples=10)[0]
    save(explanation.plot(), output_dir / "representer_breast_cancer_examples.png")
    save(explanation.plot(kind="contributions"), output_dir / "representer_breast_cancer_contributions.png")
    save(tabular.explain_global(10).plot(), output_dir / "representer_breast_cancer_global.png")

    # eta=1e-3 keeps a few dozen of the 17,970 influences; h agrees with g on 89% of the digits at U=20.
    images = SparseRepresenterClassifier(eta=1e-3, conv_channels=(16, 32), hidden_layer_sizes=(64,),
                                         max_epochs=80, device="cpu", random_state=0)
    images.fit(digits.images / 16.0, digits.target)
    explanation = images.explain(digits.images[:1] / 16.0, n_examples=20)[0]
    save(explanation.plot(), output_dir / "representer_digits_examples.png")
    save(explanation.plot(kind="contributions"), output_dir / "representer_digits_contributions.png")
    save(images.explain_global(30).plot(), output_dir / "representer_digits_global.png")


def leveling_images(output_dir):
    from sklearn_interp import FeatureLevelingClassifier
    from sklearn_interp.datasets import make_ixor

    X, y = make_ixor(2000, random_state=0)
    clf = FeatureLevelingClassifier(hidden_layer_sizes=(16, 8), lam=0.05, lr=0.01, batch_size=32, max_epochs=60,
                                    tol=None, random_state=0).fit(X, y)
    save(clf.explain_global().plot()[0].figure, output_dir / "leveling_ixor_weights.png")
    save(clf.explain_global().plot(kind="levels"), output_dir / "leveling_ixor_levels.png")
    explanation = clf.explain(X[:1])[0]
    save(explanation.plot(), output_dir / "leveling_ixor_sample_levels.png")
    save(explanation.plot(kind="contributions"), output_dir / "leveling_ixor_sample_contributions.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "images")
