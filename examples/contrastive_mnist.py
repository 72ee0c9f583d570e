"""Why a 4 and not a 9? Contrastive explanations of an MNIST classifier (CDeepEx).
===============================================================================

Trains a small CNN (a plain skorch ``NeuralNetClassifier``, the paper's
MNIST network, 6 epochs) and a ``VariationalAutoencoder`` (18 epochs) on
4000 of the first 5000 MNIST test images (about 45 s in all on 2 cores), then asks the classifier about held-out digits: "why did you
say A and not B?" with B the second most likely class. For each answer the
explainer finds the closest image in the VAE's latent space that the
classifier finds as likely to be B as A; the difference is what would have
to change. Prints, for CDeepEx and for xGEMs (the same search without the
constraint that keeps every third class below), the share of answers that
reach such an image, then one answer per question asked, and saves the
paper's Fig. 3 picture (input, G(z0), G(ze), red: add, blue: remove) of a
few.

Run from a shell::

    python examples/contrastive_mnist.py [DATA_HOME] [OUT_DIR] [--quick]
    (MNIST is read from DATA_HOME, default the package's data home, and
    downloaded there when missing; OUT_DIR defaults to examples/output;
    --quick: 1000 images and 2 epochs, for tests)
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from torch import nn  # noqa: E402

from sklearn_interp import ContrastiveExplainer, VariationalAutoencoder  # noqa: E402
from sklearn_interp.datasets import fetch_mnist  # noqa: E402

FULL = dict(n_images=5000, max_epochs=6, n_explain=50)
QUICK = dict(n_images=1000, max_epochs=2, n_explain=10)

# beside this script (sphinx-gallery, which runs the examples for the docs, defines no __file__)
OUTPUT_DIR = Path(sys.argv[0]).resolve().parent / "output"


def paper_cnn():
    """The paper's MNIST network (App. 6.1) for 28x28 images."""
    return nn.Sequential(nn.Conv2d(1, 10, 5), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(10, 20, 5), nn.MaxPool2d(2),
                         nn.ReLU(), nn.Dropout2d(0.5), nn.Flatten(), nn.Linear(320, 50), nn.ReLU(),
                         nn.Linear(50, 10))


def main(data_home=None, out_dir=None, quick=False):
    settings = QUICK if quick else FULL
    X, y = fetch_mnist(subset="test", data_home=data_home, return_X_y=True)
    X, y = X[:settings["n_images"]].astype(np.float32), y[:settings["n_images"]]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

    torch.manual_seed(0)
    cnn = NeuralNetClassifier(paper_cnn(), criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=2e-3,
                              batch_size=64, max_epochs=settings["max_epochs"], train_split=None, verbose=0)
    cnn.fit(X_train, y_train)
    print(f"classifier test accuracy {np.mean(cnn.predict(X_test) == y_test):.3f}")
    # a fixed budget, without the convergence rule: the loss still falls a little there, and would say so
    vae = VariationalAutoencoder(max_epochs=3 * settings["max_epochs"], tol=None, random_state=0).fit(X_train)

    explainer = ContrastiveExplainer(cnn, vae, random_state=0).fit(X_train)
    X_explain = X_test[:settings["n_explain"]]
    for name, constraints in (("CDeepEx", True), ("xGEMs", False)):
        explanation = explainer.explain(X_explain, constraints=constraints)
        print(f"{name}: {explanation['constraints_satisfied'].mean():.0%} of {len(X_explain)} answers reach an image "
              f"the classifier finds as likely to be B as A, with every other class below; "
              f"mean latent distance {explanation['latent_distance'].mean():.2f}")
        if constraints:
            cdeepex = explanation

    print("\nthe question        p(A), p(B) before -> after")
    classes = list(cdeepex.coords["class"])
    for i in range(min(5, len(X_explain))):
        a, b = classes.index(cdeepex["true_class"][i]), classes.index(cdeepex["probe_class"][i])
        before, after = cdeepex["proba_before"][i], cdeepex["proba_after"][i]
        print(f"  why {classes[a]} and not {classes[b]}?  {before[a]:.2f}, {before[b]:.2f} -> "
              f"{after[a]:.2f}, {after[b]:.2f}  (constraints met: {cdeepex['constraints_satisfied'][i]})")

    out_dir = Path(out_dir or OUTPUT_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(min(3, len(X_explain))):
        cdeepex[i].plot().figure.savefig(out_dir / f"contrastive_mnist_{i}.png", dpi=100, bbox_inches="tight")
    print(f"saved the plots in {out_dir}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Why a 4 and not a 9? Contrastive explanations of an MNIST classifier (CDeepEx).')
    parser.add_argument("data_home", nargs="?", default=None, help="folder holding mnist/")
    parser.add_argument("out_dir", nargs="?", default=None, help="where to save the PNGs")
    parser.add_argument("--quick", action="store_true", help="a small cut trained briefly (for tests)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(**vars(parse_args()))
