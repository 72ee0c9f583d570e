"""Predictions and explanations over Dask arrays and DataFrames, partition by partition (issue #19)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import SENNClassifier, SENNRegressor, explain
from sklearn_interp.out_of_core import explain_to_parquet, predict

from .conftest import FAST

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.index = [f"patient-{i}" for i in range(len(X))]
    return X, y


@pytest.fixture(scope="module")
def clf(data):
    X, y = data
    return SENNClassifier(**FAST).fit(X, y)


def _sorted(frame):
    return frame.sort_values(list(frame.columns[:-1])).reset_index(drop=True)


def test_predictions_over_a_dask_array_equal_the_in_memory_ones(clf, data):
    X = data[0].to_numpy()
    lazy = da.from_array(X, chunks=(100, 10))  # chunked across columns too: rechunked to whole rows
    with pytest.warns(UserWarning, match="feature names"):
        np.testing.assert_array_equal(predict(clf, lazy).compute(), clf.predict(X))
        np.testing.assert_allclose(predict(clf, lazy, "predict_proba").compute(), clf.predict_proba(X))


def test_predictions_over_a_dask_dataframe_keep_the_index_and_columns(clf, data):
    X = data[0]
    lazy = dd.from_pandas(X, npartitions=4, sort=False)
    labels = predict(clf, lazy).compute()
    pd.testing.assert_series_equal(labels, pd.Series(clf.predict(X), index=X.index, name="predict"),
                                   check_index_type=False)  # dask may store the labels as pyarrow strings
    proba = predict(clf, lazy, "predict_proba").compute()
    assert list(proba.columns) == [str(c) for c in clf.classes_]
    np.testing.assert_allclose(proba.to_numpy(), clf.predict_proba(X))
    assert list(proba.index) == list(X.index)


def test_every_method_over_dask_collections_with_an_empty_partition(clf, data, tmp_path):
    X = data[0]
    kept = X.iloc[200:]
    parts = [X.iloc[:0], X.iloc[200:400], X.iloc[400:]]  # e.g. after a filter, the first partition is empty
    lazy = dd.from_delayed([dask.delayed(part) for part in parts], meta=X.iloc[:0])
    scores = predict(clf, lazy, "decision_function").compute()  # binary: one score per row, a Series
    np.testing.assert_allclose(scores.loc[kept.index].to_numpy(), clf.decision_function(kept))
    scaler = StandardScaler().fit(X)
    scaled = predict(scaler, lazy, "transform").compute()  # as many columns as the transform returns
    np.testing.assert_allclose(scaled.loc[kept.index].to_numpy(), scaler.transform(kept))
    rows = da.from_array(kept.to_numpy(), chunks=((0, 200, 169), (X.shape[1],)))
    with pytest.warns(UserWarning, match="feature names"):
        np.testing.assert_allclose(predict(clf, rows, "predict_proba").compute(), clf.predict_proba(kept))
    folder = explain_to_parquet(clf, lazy, tmp_path, keys=["predicted_class"])["predicted_class"]
    assert sorted(f.name for f in folder.iterdir()) == ["part-00001.parquet", "part-00002.parquet"]
    written = pd.read_parquet(folder).set_index("sample")["value"]
    assert (written.loc[kept.index] == clf.predict(kept)).all()


def test_explanations_written_to_parquet_equal_the_in_memory_ones(clf, data, tmp_path):
    X = data[0]
    written = explain_to_parquet(clf, dd.from_pandas(X, npartitions=3, sort=False), tmp_path / "out")
    expected = clf.explain(X)
    assert set(written) == {key for key, dims in expected.dims.items() if dims[0] == "sample"}
    for key, folder in written.items():
        assert len(list(folder.glob("part-*.parquet"))) == 3 and not list(folder.glob(".*"))
        got = pd.read_parquet(folder)
        want = expected.to_frame(key)
        assert list(got.columns) == list(want.columns)
        got, want = _sorted(got.astype({c: str for c in got.columns[:-1]})), \
            _sorted(want.astype({c: str for c in want.columns[:-1]}))
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert set(pd.read_parquet(written["relevances"])["sample"]) == set(X.index)  # labels kept


def test_a_dask_array_and_a_pipeline_get_global_row_numbers(data, tmp_path):
    X, y = data[0].to_numpy(), data[1].to_numpy(dtype=float)
    reg = make_pipeline(StandardScaler(), SENNRegressor(**FAST)).fit(X, y)
    written = explain_to_parquet(reg, da.from_array(X, chunks=(200, -1)), tmp_path, keys=["predictions"])
    assert set(written) == {"predictions"} and [p.name for p in tmp_path.iterdir()] == ["predictions"]
    got = pd.read_parquet(written["predictions"]).sort_values("sample")
    np.testing.assert_array_equal(got["sample"], np.arange(len(X)))
    np.testing.assert_allclose(got["value"], explain(reg, X)["predictions"].ravel())


def test_on_a_local_cluster(clf, data, tmp_path):
    distributed = pytest.importorskip("distributed")
    X = data[0]
    # in-process workers: no port is opened and torch is not imported again (worker processes: tests marked slow)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        lazy = dd.from_pandas(X, npartitions=4, sort=False)
        labels = predict(clf, lazy).compute()
        np.testing.assert_array_equal(labels.loc[X.index].to_numpy(), clf.predict(X))
        written = explain_to_parquet(clf, lazy, tmp_path, keys=["contributions"])
    got = _sorted(pd.read_parquet(written["contributions"]).astype({"sample": str, "class": str,
                                                                      "concept": str}))
    want = _sorted(clf.explain(X).to_frame("contributions").astype({"sample": str, "class": str,
                                                                     "concept": str}))
    np.testing.assert_allclose(got["value"], want["value"])


def test_bad_input_raises(clf, data, tmp_path):
    X = data[0]
    with pytest.raises(TypeError, match="Dask array or DataFrame"):
        predict(clf, X)
    filtered = da.from_array(X.to_numpy(), chunks=(100, -1))
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        predict(clf, filtered[filtered[:, 0] > 15])
    with pytest.raises(ValueError, match="no rows"):
        explain_to_parquet(clf, dd.from_pandas(X.iloc[:0], npartitions=1), tmp_path)
    with pytest.raises(ValueError, match="no method"):
        predict(clf, dd.from_pandas(X, npartitions=2, sort=False), "explain_everything")
    lazy = dd.from_pandas(X, npartitions=2, sort=False)
    with pytest.raises(ValueError, match="not a key"):
        explain_to_parquet(clf, lazy, tmp_path, keys=["nope"])
    explain_to_parquet(clf, lazy, tmp_path, keys=["predicted_class"])
    with pytest.raises(FileExistsError, match="overwrite=True"):
        explain_to_parquet(clf, lazy, tmp_path, keys=["predicted_class"])
    single = dd.from_pandas(X, npartitions=1, sort=False)
    explain_to_parquet(clf, single, tmp_path, keys=["predicted_class"], overwrite=True)
    assert len(list((tmp_path / "predicted_class").iterdir())) == 1


def test_a_failing_write_leaves_only_whole_files(clf, data, tmp_path, monkeypatch):
    X = data[0]
    calls, real_to_parquet = [], pd.DataFrame.to_parquet

    def fail_on_the_second(frame, stream, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            stream.write(b"PAR1 half a file")
            raise OSError("disk full")
        return real_to_parquet(frame, stream, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_the_second)
    lazy = dd.from_pandas(X, npartitions=3, sort=False)
    with dask.config.set(scheduler="synchronous"), pytest.raises(OSError, match="disk full"):
        explain_to_parquet(clf, lazy, tmp_path, keys=["predicted_class"])
    files = list((tmp_path / "predicted_class").iterdir())
    assert len(files) == 1 and files[0].suffix == ".parquet"  # the half-written second part was removed
    monkeypatch.undo()
    assert len(pd.read_parquet(files[0])) in {189, 190}  # a whole partition
