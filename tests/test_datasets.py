"""Tests for sklearn_interp.datasets.

The fetchers are checked on the project's ``shared/data`` folder (next to
the repository checkout); the download path is checked against a local HTTP
server on 127.0.0.1.
"""

import contextlib
import gzip
import hashlib
import http.server
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from sklearn_interp import datasets
from sklearn_interp.datasets import ChecksumError, _base, _registry

from .conftest import SHARED_DATA

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"shared data folder not found at {SHARED_DATA} "
    "(clone the repository with shared/ beside it)",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No user settings, no system-wide folders, empty default data home."""
    monkeypatch.delenv(_base.MIRROR_ENV, raising=False)
    monkeypatch.setenv(_base.DATA_HOME_ENV, str(tmp_path / "default_home"))
    monkeypatch.setattr(_base, "SYSTEM_DATA_DIRS", {})


def _files_under(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())


# --------------------------------------------------------------------------
# Tabular fetchers on the shared data
# --------------------------------------------------------------------------
TABULAR = [
    # fetcher, kwargs, shape, class counts (None for regression)
    (datasets.fetch_glass, {}, (214, 9), [70, 76, 17, 13, 9, 29]),
    (datasets.fetch_vehicle, {}, (846, 18), [218, 212, 217, 199]),
    (datasets.fetch_segment, {}, (2310, 19), [330] * 7),
    (datasets.fetch_ionosphere, {}, (351, 34), [126, 225]),
    (datasets.fetch_heart_disease, {}, (297, 13), [160, 137]),
    (datasets.fetch_heart_disease, {"binary": False}, (297, 13), [160, 54, 35, 35, 13]),
    (datasets.fetch_pima_diabetes, {}, (768, 8), [500, 268]),
    (datasets.fetch_abalone, {}, (4177, 10), None),
    (datasets.fetch_yeast, {}, (1484, 8), [463, 5, 35, 44, 51, 163, 244, 429, 20, 30]),
    (datasets.fetch_wine, {}, (178, 13), [59, 71, 48]),
    (datasets.fetch_california_housing, {}, (20433, 13), None),
    (datasets.fetch_compas, {}, (6172, 16), [3363, 2809]),
    (datasets.fetch_compas, {"variant": "violent"}, (4020, 16), [3368, 652]),
    (datasets.fetch_compas, {"features": "senn"}, (6172, 11), [3421, 2751]),
]
TABULAR_IDS = [
    f"{f.__name__}-{'-'.join(map(str, kw.values())) or 'default'}"
    for f, kw, _, _ in TABULAR
]


@needs_shared
@pytest.mark.parametrize("fetch, kwargs, shape, counts", TABULAR, ids=TABULAR_IDS)
def test_tabular_bunch(fetch, kwargs, shape, counts):
    bunch = fetch(data_home=SHARED_DATA, **kwargs)
    assert bunch.data.shape == shape
    assert bunch.data.dtype == np.float64
    assert not np.isnan(bunch.data).any()
    assert bunch.target.shape == (shape[0],)
    assert len(bunch.feature_names) == shape[1]
    assert bunch.frame is None
    assert isinstance(bunch.DESCR, str) and bunch.DESCR
    if counts is None:
        assert bunch.target.dtype == np.float64
        assert len(bunch.target_names) == 1
    else:
        assert bunch.target.dtype == np.int64
        assert np.bincount(bunch.target).tolist() == counts
        assert len(bunch.target_names) == len(counts)


@needs_shared
@pytest.mark.parametrize("fetch, kwargs, shape, counts", TABULAR, ids=TABULAR_IDS)
def test_tabular_as_frame_and_return_X_y(fetch, kwargs, shape, counts):
    bunch = fetch(data_home=SHARED_DATA, as_frame=True, **kwargs)
    assert isinstance(bunch.data, pd.DataFrame)
    assert isinstance(bunch.target, pd.Series)
    assert len(bunch.data) == shape[0]
    assert list(bunch.frame.columns) == [*bunch.data.columns, bunch.target.name]
    assert bunch.feature_names == list(bunch.data.columns)
    assert not bunch.frame.isna().any().any()
    nominal = [
        c for c, t in bunch.data.dtypes.items() if isinstance(t, pd.CategoricalDtype)
    ]
    n_encoded = sum(len(bunch.data[c].cat.categories) - 1 for c in nominal)
    assert bunch.data.shape[1] + n_encoded == shape[1]

    X, y = fetch(data_home=SHARED_DATA, return_X_y=True, **kwargs)
    np.testing.assert_array_equal(y, bunch.target.to_numpy())
    assert X.shape == shape
    X_frame, y_frame = fetch(
        data_home=SHARED_DATA, return_X_y=True, as_frame=True, **kwargs
    )
    pd.testing.assert_frame_equal(X_frame, bunch.data)
    pd.testing.assert_series_equal(y_frame, bunch.target)


@needs_shared
def test_compas_default_features():
    bunch = datasets.fetch_compas(data_home=SHARED_DATA)
    assert bunch.feature_names == [
        "age",
        "priors_count",
        "juv_fel_count",
        "juv_misd_count",
        "juv_other_count",
        "length_of_stay",
        "sex_Female",
        "sex_Male",
        "race_African-American",
        "race_Asian",
        "race_Caucasian",
        "race_Hispanic",
        "race_Native American",
        "race_Other",
        "c_charge_degree_F",
        "c_charge_degree_M",
    ]
    X = bunch.data
    np.testing.assert_array_equal(X[:, 6:8].sum(axis=1), 1)
    np.testing.assert_array_equal(X[:, 8:14].sum(axis=1), 1)
    np.testing.assert_array_equal(X[:, 14:16].sum(axis=1), 1)
    # Race counts of the 6172 filtered rows (ProPublica's analysis).
    assert X[:, 8:14].sum(axis=0).tolist() == [3175, 31, 2103, 509, 11, 343]
    assert (X[:, 5] >= 0).all()


@needs_shared
def test_compas_senn_features():
    bunch = datasets.fetch_compas(data_home=SHARED_DATA, features="senn")
    assert bunch.feature_names[:2] == ["Two_yr_Recidivism", "Number_of_Priors"]
    raw = datasets.fetch_compas(data_home=SHARED_DATA, as_frame=True).frame["priors_count"].to_numpy()
    np.testing.assert_allclose(bunch.data[:, 1], np.sqrt(raw / 38.0))
    assert bunch.target_names == ["low", "medium_or_high"]
    binary = np.delete(bunch.data, 1, axis=1)
    assert set(np.unique(binary)) <= {0.0, 1.0}
    # First row of FairML's propublica_data_for_fairml.csv used by SENN.
    np.testing.assert_array_equal(bunch.data[0], [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"variant": "nope"},
        {"features": "nope"},
        {"variant": "violent", "features": "senn"},
    ],
)
def test_compas_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        datasets.fetch_compas(**kwargs)


@needs_shared
def test_wine_equals_sklearn():
    bunch = datasets.fetch_wine(data_home=SHARED_DATA)
    reference = load_wine()
    np.testing.assert_allclose(bunch.data, reference.data)
    np.testing.assert_array_equal(bunch.target, reference.target)
    assert bunch.feature_names == reference.feature_names


@needs_shared
def test_california_housing_one_hot():
    bunch = datasets.fetch_california_housing(data_home=SHARED_DATA)
    assert bunch.feature_names[-5:] == [
        "ocean_proximity_<1H OCEAN",
        "ocean_proximity_INLAND",
        "ocean_proximity_ISLAND",
        "ocean_proximity_NEAR BAY",
        "ocean_proximity_NEAR OCEAN",
    ]
    assert bunch.data[:, -5:].sum(axis=0).tolist() == [9034, 6496, 5, 2270, 2628]
    assert bunch.target.max() == 500001


# --------------------------------------------------------------------------
# MNIST / Fashion-MNIST
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fashion_train():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DATA}")
    return datasets.fetch_fashion_mnist(data_home=SHARED_DATA, subset="train")


def test_fashion_mnist_train(fashion_train):
    assert fashion_train.data.shape == (60000, 1, 28, 28)
    assert fashion_train.data.dtype == np.float32
    assert fashion_train.data.min() == 0.0 and fashion_train.data.max() == 1.0
    assert fashion_train.target.dtype == np.int64
    assert np.bincount(fashion_train.target).tolist() == [6000] * 10
    assert fashion_train.target_names[0] == "T-shirt/top"
    assert fashion_train.target_names[9] == "Ankle boot"
    assert fashion_train.data.mean() * 255 == pytest.approx(72.94, abs=0.01)


@needs_shared
def test_fashion_mnist_test_flat_and_frame():
    X, y = datasets.fetch_fashion_mnist(
        data_home=SHARED_DATA, subset="test", flat=True, return_X_y=True
    )
    assert X.shape == (10000, 784)
    assert np.bincount(y).tolist() == [1000] * 10
    bunch = datasets.fetch_fashion_mnist(
        data_home=SHARED_DATA, subset="test", flat=True, as_frame=True
    )
    assert bunch.data.shape == (10000, 784)
    assert bunch.frame.shape == (10000, 785)
    np.testing.assert_array_equal(bunch.data.to_numpy(), X)


@needs_shared
def test_mnist_test():
    bunch = datasets.fetch_mnist(data_home=SHARED_DATA, subset="test")
    assert bunch.data.shape == (10000, 1, 28, 28)
    assert bunch.data.dtype == np.float32
    assert np.bincount(bunch.target).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    assert bunch.target_names == [str(d) for d in range(10)]
    assert bunch.data.mean() * 255 == pytest.approx(33.79, abs=0.01)


@needs_shared
def test_mnist_train_images_missing():
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        datasets.fetch_mnist(
            data_home=SHARED_DATA, subset="train", download_if_missing=False
        )


@pytest.mark.parametrize(
    "kwargs", [{"subset": "valid"}, {"as_frame": True, "flat": False}]
)
def test_mnist_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        datasets.fetch_mnist(**kwargs)


@needs_shared
def test_fashion_mnist_found_in_system_folder(tmp_path, monkeypatch):
    """A copy in a system folder (Debian's layout, gzip header normalised)
    is used without downloading."""
    system = tmp_path / "usr_share_datasets_fashion-mnist"
    system.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        _recompress(SHARED_DATA / "fashion_mnist" / name, system / name)
    monkeypatch.setitem(_base.SYSTEM_DATA_DIRS, "fashion_mnist", (str(system),))
    home = tmp_path / "home"
    X, y = datasets.fetch_fashion_mnist(
        data_home=home,
        subset="test",
        download_if_missing=False,
        return_X_y=True,
    )
    assert X.shape == (10000, 1, 28, 28)
    assert not home.exists()


# --------------------------------------------------------------------------
# make_ixor
# --------------------------------------------------------------------------
def test_make_ixor():
    X, y = datasets.make_ixor(2000, random_state=0)
    assert X.shape == (2000, 3) and X.dtype == np.float64
    assert y.shape == (2000,) and y.dtype == np.int64
    assert (X[:, :2] >= -2).all() and (X[:, :2] <= 2).all()
    assert (X[:, 2] >= 0).all() and (X[:, 2] <= 1).all()
    expected = (X[:, 0] * X[:, 1] > 0) & (X[:, 2] > 0.5)
    np.testing.assert_array_equal(y, expected.astype(int))
    assert 0.2 < y.mean() < 0.3  # P(y = 1) = 1/2 * 1/2


def test_make_ixor_reproducible():
    X1, y1 = datasets.make_ixor(50, random_state=42)
    X2, y2 = datasets.make_ixor(50, random_state=42)
    X3, _ = datasets.make_ixor(50, random_state=43)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("n_samples", [0, -1, 2.5])
def test_make_ixor_invalid(n_samples):
    with pytest.raises(ValueError):
        datasets.make_ixor(n_samples)


# --------------------------------------------------------------------------
# Data home, download and verification
# --------------------------------------------------------------------------
def test_get_data_home(monkeypatch, tmp_path):
    assert datasets.get_data_home(tmp_path) == str(tmp_path)
    monkeypatch.setenv(_base.DATA_HOME_ENV, str(tmp_path / "env"))
    assert datasets.get_data_home() == str(tmp_path / "env")
    monkeypatch.delenv(_base.DATA_HOME_ENV)
    assert datasets.get_data_home() == str(Path.home() / "sklearn_interp_data")


def test_registry_layout():
    for path, remote in _registry.REGISTRY.items():
        assert remote.path == path and path.count("/") == 1
        assert remote.url.startswith("https://")
        assert remote.max_download_size > 0
        assert remote.url.endswith(path.split("/")[1])
        assert remote.sha256 or remote.gzip_sha256


def _recompress(src, dst, mtime=123456789):
    """Write `src`'s content to `dst` with a different gzip header/level."""
    with gzip.open(src, "rb") as stream:
        content = stream.read()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(gzip.compress(content, compresslevel=1, mtime=mtime))


_SERVER_LIMIT_S = 10  # no misbehaving response lasts longer


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files; ``<file>.<behaviour>`` serves ``<file>`` misbehaving:

    - ``truncated``: half the body, announcing its full length;
    - ``endless``: the body over and over, without Content-Length;
    - ``drip``: one byte every 0.1 s;
    - ``longer``, ``shorter``, ``huge``, ``garbage``: the body dripped,
      announcing one byte more, one byte less, a terabyte, or no number;
    - ``to-same``, ``to-ftp``, ``to-file``: a redirect to the file itself,
      to an ftp URL, or to a local file.

    Every response ends after ``_SERVER_LIMIT_S`` or when the client leaves.
    """

    def do_GET(self):
        stem, _, behaviour = self.path.rpartition(".")
        if behaviour.startswith("to-"):
            return self._redirect(stem, behaviour[3:])
        if behaviour not in _ANNOUNCED:
            return super().do_GET()
        body = Path(self.translate_path(stem)).read_bytes()
        self.send_response(200)
        announced = _ANNOUNCED[behaviour](len(body))
        if announced is not None:
            self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.close_connection = True
        with contextlib.suppress(ConnectionError):
            self._send(body, behaviour)
        return None

    def _redirect(self, stem, scheme):
        location = {
            "same": stem,
            "ftp": f"ftp://127.0.0.1:1{stem}",
            "file": "file:///etc/hostname",
        }[scheme]
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, body, behaviour):
        deadline = time.monotonic() + _SERVER_LIMIT_S
        if behaviour == "truncated":
            self.wfile.write(body[: len(body) // 2])
        elif behaviour == "endless":
            while time.monotonic() < deadline:
                self.wfile.write(body)
        else:
            for byte in body:
                if time.monotonic() > deadline:
                    break
                self.wfile.write(bytes([byte]))
                time.sleep(0.1)

    def log_message(self, *args):
        pass


# Content-Length announced by each misbehaviour, from the true size.
_ANNOUNCED = {
    "truncated": lambda n: n,
    "endless": lambda n: None,
    "drip": lambda n: n,
    "longer": lambda n: n + 1,
    "shorter": lambda n: n - 1,
    "huge": lambda n: 10**12,
    "garbage": lambda n: "twelve",
}


@pytest.fixture(scope="module")
def server_root(tmp_path_factory):
    """Root folder served on http://127.0.0.1:<port>; yields (root, url)."""
    root = tmp_path_factory.mktemp("served")
    handler = partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def mirror(server_root, monkeypatch, request):
    """A fresh served folder, set as SKLEARN_INTERP_DATA_URL."""
    root, url = server_root
    folder = root / request.node.name.replace("[", "_").replace("]", "")
    folder.mkdir()
    monkeypatch.setenv(_base.MIRROR_ENV, f"{url}/{folder.name}")
    return folder


def _copy_shared(folder, relpath):
    """Copy a shared data file to ``folder/relpath``; return the copy."""
    dst = folder / relpath
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED_DATA / relpath, dst)
    return dst


@needs_shared
def test_download_into_empty_data_home(mirror, tmp_path):
    for i in "abcdefghi":
        _copy_shared(mirror, f"vehicle/xa{i}.dat")
    home = tmp_path / "home"
    X, y = datasets.fetch_vehicle(data_home=home, return_X_y=True)
    X_ref, y_ref = datasets.fetch_vehicle(data_home=SHARED_DATA, return_X_y=True)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert [p.name for p in _files_under(home)] == [f"xa{i}.dat" for i in "abcdefghi"]
    # Second call uses the local copies (the mirror is gone).
    shutil.rmtree(mirror / "vehicle")
    X_again, _ = datasets.fetch_vehicle(
        data_home=home, download_if_missing=False, return_X_y=True
    )
    np.testing.assert_array_equal(X_again, X)


@needs_shared
def test_download_uses_default_data_home(mirror, tmp_path):
    _copy_shared(mirror, "glass/glass.data")
    datasets.fetch_glass()
    assert (tmp_path / "default_home" / "glass" / "glass.data").is_file()


@needs_shared
def test_corrupt_download_rejected(mirror, tmp_path):
    served = _copy_shared(mirror, "glass/glass.data")
    data = bytearray(served.read_bytes())
    data[100] ^= 0x01
    served.write_bytes(bytes(data))
    home = tmp_path / "home"
    expected = _registry.REGISTRY["glass/glass.data"].sha256
    with pytest.raises(ChecksumError) as excinfo:
        datasets.fetch_glass(data_home=home)
    message = str(excinfo.value)
    assert "glass/glass.data" in message
    assert expected in message
    assert hashlib.sha256(bytes(data)).hexdigest() in message
    assert _files_under(home) == []


@needs_shared
def test_recompressed_gzip_accepted(mirror, tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        _recompress(SHARED_DATA / "mnist" / name, mirror / "mnist" / name)
    home = tmp_path / "home"
    X, y = datasets.fetch_mnist(data_home=home, subset="test", return_X_y=True)
    X_ref, y_ref = datasets.fetch_mnist(
        data_home=SHARED_DATA, subset="test", return_X_y=True
    )
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert len(_files_under(home)) == 2


def test_missing_file_without_download(tmp_path):
    home = tmp_path / "empty"
    with pytest.raises(FileNotFoundError) as excinfo:
        datasets.fetch_glass(data_home=home, download_if_missing=False)
    message = str(excinfo.value)
    assert "glass/glass.data" in message
    assert str(home / "glass" / "glass.data") in message
    assert _base.DATA_HOME_ENV in message and "download_if_missing" in message
    assert not home.exists()


@needs_shared
def test_interrupted_download_leaves_nothing(mirror, tmp_path, monkeypatch):
    _copy_shared(mirror, "abalone/abalone.data")
    remote = _registry.REGISTRY["abalone/abalone.data"]
    url = f"{os.environ[_base.MIRROR_ENV]}/{remote.path}.truncated"
    monkeypatch.setattr(_base, "_url_for", lambda remote: url)
    home = tmp_path / "home"
    with pytest.raises(OSError, match="cut short"):
        datasets.fetch_abalone(data_home=home)
    assert _files_under(home) == []


def test_download_error_leaves_nothing(mirror, tmp_path):
    home = tmp_path / "home"
    with pytest.raises(OSError, match="404") as excinfo:
        datasets.fetch_yeast(data_home=home)
    assert f"put it at {home / 'yeast' / 'yeast.data'}" in str(excinfo.value)
    assert _files_under(home) == []


def test_interrupt_during_download_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(url, out, remote, timeout):
        out.write(b"partial data")
        raise KeyboardInterrupt

    monkeypatch.setattr(_base, "_copy_url", interrupted)
    home = tmp_path / "home"
    with pytest.raises(KeyboardInterrupt):
        datasets.fetch_wine(data_home=home)
    assert _files_under(home) == []


@needs_shared
def test_corrupt_local_file_rejected(tmp_path):
    home = tmp_path / "home"
    local = _copy_shared(home, "wine/wine.data")
    local.write_bytes(local.read_bytes()[:-10])
    with pytest.raises(ChecksumError, match="Delete .*wine.data"):
        datasets.fetch_wine(data_home=home)
    assert local.is_file()  # left for the user to inspect and delete


@needs_shared
def test_gzip_file_hash_accepted_without_content_hash(tmp_path, monkeypatch):
    """Entries such as MNIST's training images only know the hash of the
    original .gz file: that exact file passes, a recompressed one fails."""
    relpath = "mnist/t10k-labels-idx1-ubyte.gz"
    original = SHARED_DATA / relpath
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    entry = _registry.RemoteFile(
        relpath, "http://invalid/x.gz", None, 4542, 10008, gzip_sha256=(digest,)
    )
    monkeypatch.setitem(_base.REGISTRY, relpath, entry)
    home = tmp_path / "home"
    _copy_shared(home, relpath)
    assert _base.fetch_file(relpath, data_home=home) == home / relpath
    _recompress(original, home / relpath)
    with pytest.raises(ChecksumError, match="no content hash recorded"):
        _base.fetch_file(relpath, data_home=home)


def _misbehaving(mirror, monkeypatch, relpath, behaviour):
    """Serve the shared `relpath` from `mirror` with a misbehaviour."""
    _copy_shared(mirror, relpath)
    url = f"{os.environ[_base.MIRROR_ENV]}/{relpath}.{behaviour}"
    monkeypatch.setattr(_base, "_url_for", lambda remote: url)


@needs_shared
def test_downloaded_file_has_default_permissions(mirror, tmp_path):
    _copy_shared(mirror, "glass/glass.data")
    previous = os.umask(0o022)
    try:
        path = _base.fetch_file("glass/glass.data", data_home=tmp_path / "home")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@needs_shared
def test_endless_body_abandoned(mirror, tmp_path, monkeypatch):
    _misbehaving(mirror, monkeypatch, "glass/glass.data", "endless")
    home = tmp_path / "home"
    start = time.monotonic()
    with pytest.raises(OSError, match="more than the expected 11903 bytes"):
        datasets.fetch_glass(data_home=home)
    assert time.monotonic() - start < 5
    assert _files_under(home) == []


@needs_shared
@pytest.mark.parametrize(
    "behaviour, message",
    [
        ("longer", "Content-Length is 11904 bytes, expected 11903"),
        ("shorter", "Content-Length is 11902 bytes, expected 11903"),
        ("huge", "Content-Length is 1000000000000 bytes, expected 11903"),
        ("garbage", "invalid Content-Length 'twelve'"),
    ],
    ids=["longer", "shorter", "huge", "garbage"],
)
def test_wrong_content_length_abandoned_before_the_body(
    mirror, tmp_path, monkeypatch, behaviour, message
):
    _misbehaving(mirror, monkeypatch, "glass/glass.data", behaviour)
    home = tmp_path / "home"
    start = time.monotonic()
    with pytest.raises(OSError, match=message):
        datasets.fetch_glass(data_home=home)
    assert time.monotonic() - start < 2  # the dripped body takes 20 min
    assert _files_under(home) == []


@needs_shared
@pytest.mark.parametrize("through", ["argument", "environment"])
def test_drip_abandoned_after_timeout(mirror, tmp_path, monkeypatch, through):
    _misbehaving(mirror, monkeypatch, "glass/glass.data", "drip")
    kwargs = {"data_home": tmp_path / "home"}
    if through == "argument":
        kwargs["timeout"] = 1.5
    else:
        monkeypatch.setenv(_base.TIMEOUT_ENV, "1.5")
    start = time.monotonic()
    with pytest.raises(OSError, match="not finished after 1.5 s"):
        _base.fetch_file("glass/glass.data", **kwargs)
    assert 0.5 < time.monotonic() - start < 3
    assert _files_under(tmp_path / "home") == []


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_invalid_timeout(monkeypatch, value):
    monkeypatch.setenv(_base.TIMEOUT_ENV, value)
    with pytest.raises(ValueError, match=_base.TIMEOUT_ENV):
        datasets.fetch_glass()


@needs_shared
@pytest.mark.parametrize(
    "scheme, message",
    [
        ("ftp", r"refused redirect .* \(scheme ftp\)"),
        # urllib itself refuses schemes other than http, https and ftp.
        ("file", "Redirection to url 'file:///etc/hostname' is not allowed"),
    ],
    ids=["ftp", "file"],
)
def test_redirect_to_another_scheme_refused(
    mirror, tmp_path, monkeypatch, scheme, message
):
    _misbehaving(mirror, monkeypatch, "glass/glass.data", f"to-{scheme}")
    with pytest.raises(OSError, match=message):
        datasets.fetch_glass(data_home=tmp_path / "home")
    assert _files_under(tmp_path / "home") == []


@needs_shared
def test_redirect_within_the_scheme_followed(mirror, tmp_path, monkeypatch):
    _misbehaving(mirror, monkeypatch, "glass/glass.data", "to-same")
    X, _ = datasets.fetch_glass(data_home=tmp_path / "home", return_X_y=True)
    assert X.shape == (214, 9)


@pytest.mark.parametrize(
    "old, new, refused",
    [("https", "http", True), ("https", "ftp", True), ("http", "https", False)],
)
def test_redirect_handler_schemes(old, new, refused):
    handler = _base._SameSchemeRedirectHandler()
    request = urllib.request.Request(f"{old}://example.org/a")
    follow = partial(handler.redirect_request, request, None, 302, "Found", {})
    if refused:
        with pytest.raises(OSError, match="refused redirect"):
            follow(f"{new}://example.org/b")
    else:
        assert follow(f"{new}://example.org/b").full_url == "https://example.org/b"


def test_gzip_bomb_stopped(mirror, tmp_path, monkeypatch):
    content = bytes(10_000_000)
    relpath = "bomb/bomb.gz"
    entry = _registry.RemoteFile(
        relpath, "https://invalid/bomb.gz", hashlib.sha256(content).hexdigest(),
        None, 100_000,
    )
    monkeypatch.setitem(_base.REGISTRY, relpath, entry)
    (mirror / "bomb").mkdir()
    (mirror / relpath).write_bytes(gzip.compress(content))  # about 10 kB
    home = tmp_path / "home"
    match = "content larger than the expected 100000 bytes"
    with pytest.raises(ChecksumError, match=match):
        _base.fetch_file(relpath, data_home=home)
    assert _files_under(home) == []
    shutil.copyfile(mirror / relpath, home / relpath)
    with pytest.raises(ChecksumError, match=match):
        _base.fetch_file(relpath, data_home=home)


@needs_shared
def test_corrupt_system_copy_skipped(mirror, tmp_path, monkeypatch):
    relpath = "fashion_mnist/t10k-labels-idx1-ubyte.gz"
    _copy_shared(mirror, relpath)
    system = tmp_path / "usr_share_datasets_fashion-mnist"
    corrupt = system / "t10k-labels-idx1-ubyte.gz"
    system.mkdir()
    corrupt.write_bytes(gzip.compress(b"not the labels"))
    monkeypatch.setitem(_base.SYSTEM_DATA_DIRS, "fashion_mnist", (str(system),))
    home = tmp_path / "home"
    with pytest.warns(UserWarning, match=f"Ignoring corrupt copy {corrupt}"):
        path = _base.fetch_file(relpath, data_home=home)
    assert path == home / relpath
    assert path.read_bytes() == (SHARED_DATA / relpath).read_bytes()


@needs_shared
def test_replacement_with_same_size_and_mtime_detected(tmp_path, monkeypatch):
    home = tmp_path / "home"
    local = _copy_shared(home, "wine/wine.data")
    _base.fetch_file("wine/wine.data", data_home=home)
    before = local.stat()
    with open(local, "r+b") as stream:  # same inode, size and mtime
        stream.seek(before.st_size // 2)
        stream.write(b"9")
    os.utime(local, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert local.stat().st_size == before.st_size
    with pytest.raises(ChecksumError):
        _base.fetch_file("wine/wine.data", data_home=home)


@needs_shared
def test_verified_file_not_hashed_again(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _copy_shared(home, "wine/wine.data")
    _base.fetch_file("wine/wine.data", data_home=home)
    monkeypatch.setattr(_base, "_matches", None)  # any re-hash would fail
    assert _base.fetch_file("wine/wine.data", data_home=home) == home / "wine/wine.data"


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/data", "file:///tmp/data", "127.0.0.1:8000/data", "https://"]
)
def test_invalid_mirror_url(monkeypatch, tmp_path, url):
    monkeypatch.setenv(_base.MIRROR_ENV, url)
    with pytest.raises(ValueError, match=f"{_base.MIRROR_ENV} must be an http"):
        datasets.fetch_glass(data_home=tmp_path / "home")
    assert not (tmp_path / "home").exists()


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


@needs_shared
def test_stale_temporary_files_removed(mirror, tmp_path):
    _copy_shared(mirror, "glass/glass.data")
    folder = tmp_path / "home" / "glass"
    folder.mkdir(parents=True)
    dead = folder / f".glass.data.{_dead_pid()}.0123abcd.part"
    old = folder / f".glass.data.{os.getpid()}.4567cdef.part"
    live = folder / f".glass.data.{os.getpid()}.89abcdef.part"
    other = folder / ".glass.names.1.0123abcd.part"
    for path in (dead, old, live, other):
        path.write_bytes(b"partial")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    datasets.fetch_glass(data_home=tmp_path / "home")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["glass.data", live.name, other.name]
    )
