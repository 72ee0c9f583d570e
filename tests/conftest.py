from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Training parameters that learn scikit-learn's small check datasets in seconds.
FAST = dict(max_epochs=30, batch_size=32, lr=0.01, early_stopping=False, random_state=0, device="cpu")

# The project's data folder, beside the repository checkout (see its MANIFEST.md).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data_home(dataset):
    """``SHARED_DATA`` when it holds ``dataset``'s folder; else the test is skipped."""
    if not (SHARED_DATA / dataset).is_dir():
        pytest.skip(f"{dataset} not found under {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened."""
    yield
    plt.close("all")


def rendered(ax):
    """Draw ``ax``'s figure with the Agg backend (as saving it would) and return ``ax``."""
    ax.figure.canvas.draw()
    return ax
