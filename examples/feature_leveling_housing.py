"""Which California housing features can a GLM read directly? A feature leveling network (Lu & Yang).
==================================================================================================

Fits a FeatureLevelingRegressor 13-64-32-1 (the paper's setup: Géron's
housing.csv, 13 features with ocean_proximity one-hot, a 4:1 split, the
target standardized) and prints what the network says about itself: the
pruned architecture in the paper's notation, the features that go straight
to the GLM (level 1), the open gates per layer and the average absolute GLM
weight per level; then one district's prediction as the sum of its levels'
contributions and its largest terms. Saves the gate/weight heatmap and the
district's per-level contributions as PNGs.

Run from a shell::

    python examples/feature_leveling_housing.py [DATA_HOME] [OUT_DIR] [--quick]
    (the data is read from DATA_HOME, default the package's data home, and
    downloaded there when missing; OUT_DIR defaults to examples/output;
    --quick: 2000 rows and 5 epochs, for tests)
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklearn_interp import FeatureLevelingRegressor  # noqa: E402
from sklearn_interp.datasets import fetch_california_housing  # noqa: E402

FULL = dict(n_rows=None, max_epochs=100)
QUICK = dict(n_rows=2000, max_epochs=5)

# beside this script (sphinx-gallery, which runs the examples for the docs, defines no __file__)
OUTPUT_DIR = Path(sys.argv[0]).resolve().parent / "output"


def load(data_home, n_rows):
    housing = fetch_california_housing(data_home=data_home)
    X = pd.DataFrame(housing.data, columns=housing.feature_names)
    y = (housing.target - housing.target.mean()) / housing.target.std()
    if n_rows is not None:
        X, y = X.iloc[:n_rows], y[:n_rows]
    return X, y


def main(data_home=None, out_dir=None, quick=False):
    settings = QUICK if quick else FULL
    X, y = load(data_home, settings["n_rows"])
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    reg = FeatureLevelingRegressor(hidden_layer_sizes=(64, 32), max_epochs=settings["max_epochs"],
                                   random_state=0).fit(X_train, y_train)
    rmse = np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2))
    print(f"test RMSE {rmse:.3f} (standardized target; the paper: 0.477, its FCNN 0.529)")

    glob = reg.explain_global()
    print(f"pruned architecture: {glob['architecture']} (the paper: 10-28-32*-1)")
    level1 = [name for name, straight in zip(X.columns, glob["level1_features"]) if straight]
    print(f"features straight to the GLM (level 1): {', '.join(level1) or 'none'}")
    print("open gates per layer:", np.round(glob["open_fraction"], 2), " AAV per level:", np.round(glob["aav"], 3))

    district = reg.explain(X_test.iloc[:1])
    terms = district["contributions"][0, 0]
    print(f"\none district: prediction {district['predictions'][0, 0]:.3f} = intercept "
          f"{district['intercept'][0]:.3f} + levels " + " + ".join(
              f"{level} {value:.3f}" for level, value in zip(district.coords["level"],
                                                            district["level_contributions"][0, 0])))
    for j in np.argsort(-np.abs(terms))[:5]:
        print(f"  {district.coords['glm_input'][j]:>32s}  {terms[j]:+.3f}")

    out_dir = Path(out_dir or OUTPUT_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    glob.plot()[0].figure.savefig(out_dir / "leveling_housing_weights.png", dpi=100, bbox_inches="tight")
    district[0].plot().figure.savefig(out_dir / "leveling_housing_district.png", dpi=100, bbox_inches="tight")
    print(f"saved the plots in {out_dir}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Which California housing features can a GLM read directly? A feature leveling network (Lu & Yang).')
    parser.add_argument("data_home", nargs="?", default=None, help="folder holding california_housing/")
    parser.add_argument("out_dir", nargs="?", default=None, help="where to save the PNGs")
    parser.add_argument("--quick", action="store_true", help="a small cut trained briefly (for tests)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(**vars(parse_args()))
