import json

import numpy as np
import pytest

from sklearn_interp import Explanation


@pytest.fixture
def explanation():
    return Explanation(
        {"relevance": np.arange(6.0).reshape(3, 2), "bias": np.array([0.5, -0.5])},
        dims={"relevance": ("sample", "feature"), "bias": ("feature",)},
        coords={"feature": ["age", "priors"]},
        meta={"method": "toy", "scope": "local"},
    )


def test_indexing_selects_samples_and_keeps_global_arrays(explanation):
    assert len(explanation) == 3
    one = explanation[1]
    np.testing.assert_array_equal(one["relevance"], [2.0, 3.0])
    assert one.dims["relevance"] == ("feature",) and one.n_samples == 0
    np.testing.assert_array_equal(one["bias"], explanation["bias"])
    assert explanation[1:]["relevance"].shape == (2, 2)
    with pytest.raises(IndexError, match="no sample axis"):
        one[0]


def test_tidy_frame_and_json(explanation):
    frame = explanation.to_frame(["relevance"])
    assert list(frame.columns) == ["sample", "feature", "quantity", "value"]
    assert frame.loc[(frame["sample"] == 2) & (frame["feature"] == "priors"), "value"].item() == 5.0
    loaded = json.loads(explanation.to_json())
    assert loaded["coords"]["feature"] == ["age", "priors"] and loaded["data"]["bias"] == [0.5, -0.5]


def test_bad_construction_and_unknown_plot(explanation):
    with pytest.raises(ValueError, match="same keys"):
        Explanation({"a": np.zeros(2)}, dims={"b": ("sample",)})
    with pytest.raises(ValueError, match="no plot for method='toy'"):
        explanation.plot()


def test_json_is_strict_with_missing_values():
    exp = Explanation({"relevance": np.array([[np.nan, 1.0]])}, dims={"relevance": ("sample", "feature")})
    assert json.loads(exp.to_json())["data"]["relevance"] == [[None, 1.0]]
