"""Small benchmark tables from the UCI Machine Learning Repository.

Each fetcher returns the dataset as published (no scaling, no imputation);
the only changes are those stated in its docstring (identifier columns
dropped, classes coded ``0..n_classes-1``, nominal features one-hot encoded
when ``as_frame=False``).
"""

import numpy as np
import pandas as pd

from ._tabular import encode_classes, make_bunch, read_csv

__all__ = [
    "fetch_abalone",
    "fetch_glass",
    "fetch_heart_disease",
    "fetch_ionosphere",
    "fetch_pima_diabetes",
    "fetch_segment",
    "fetch_vehicle",
    "fetch_wine",
    "fetch_yeast",
]

_UCI_CITATION = (
    "Dua, D. and Graff, C. (2019). UCI Machine Learning Repository. "
    "University of California, Irvine, School of Information and Computer "
    "Sciences. https://archive.ics.uci.edu"
)


def _descr(title, body):
    return f"{title}\n{'=' * len(title)}\n\n{body}\n\nSource: {_UCI_CITATION}\n"


# ---------------------------------------------------------------- glass
_GLASS_FEATURES = ["RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe"]
_GLASS_CLASSES = {
    1: "building_windows_float_processed",
    2: "building_windows_non_float_processed",
    3: "vehicle_windows_float_processed",
    5: "containers",
    6: "tableware",
    7: "headlamps",
}
_GLASS_DESCR = _descr(
    "Glass Identification",
    "214 glass fragments, 9 continuous features (refractive index and oxide\n"
    "weight percentages), 6 glass types (type 4 is absent). The Id column is\n"
    "dropped. Rows are sorted by class: shuffle or stratify before splitting.\n"
    "(B. German, Central Research Establishment, Home Office Forensic\n"
    "Science Service, 1987.)",
)


def fetch_glass(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Glass Identification dataset (classification).

    ==============   ==============
    Samples total               214
    Dimensionality                9
    Features         real, positive
    Classes                       6
    ==============   ==============

    The Id column of the file is dropped. The target codes ``0..5`` stand
    for the original glass types 1, 2, 3, 5, 6, 7, named in
    ``target_names``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (file ``glass/glass.data``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (214, 9) float64, ``target`` (214,) int64,
        ``feature_names``, ``target_names``, ``DESCR`` and ``frame``
        (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_glass
    >>> X, y = fetch_glass(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (214, 9)
    """
    df = read_csv(
        ["glass/glass.data"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        header=None,
        names=["Id", *_GLASS_FEATURES, "type"],
    )
    y, names = encode_classes(df["type"], _GLASS_CLASSES, name="type")
    return make_bunch(
        df[_GLASS_FEATURES],
        y,
        target_names=names,
        descr=_GLASS_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# -------------------------------------------------------------- vehicle
_VEHICLE_FILES = [f"vehicle/xa{c}.dat" for c in "abcdefghi"]
_VEHICLE_FEATURES = [
    "compactness",
    "circularity",
    "distance_circularity",
    "radius_ratio",
    "pr_axis_aspect_ratio",
    "max_length_aspect_ratio",
    "scatter_ratio",
    "elongatedness",
    "pr_axis_rectangularity",
    "max_length_rectangularity",
    "scaled_variance_major",
    "scaled_variance_minor",
    "scaled_radius_of_gyration",
    "skewness_about_major",
    "skewness_about_minor",
    "kurtosis_about_major",
    "kurtosis_about_minor",
    "hollows_ratio",
]
_VEHICLE_CLASSES = {c: c for c in ["bus", "opel", "saab", "van"]}
_VEHICLE_DESCR = _descr(
    "Statlog (Vehicle Silhouettes)",
    "846 vehicle silhouettes, 18 integer shape features extracted from the\n"
    "images, 4 classes (bus, opel, saab, van). Published as 9 files\n"
    "(xaa.dat..xai.dat) of 94 rows, concatenated here in order.\n"
    "(J. P. Siebert, Turing Institute, 1987.)",
)


def fetch_vehicle(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Statlog Vehicle Silhouettes dataset (classification).

    ==============   ==============
    Samples total               846
    Dimensionality               18
    Features         integer (as float)
    Classes                       4
    ==============   ==============

    The 9 published files ``vehicle/xaa.dat`` ... ``vehicle/xai.dat`` are
    concatenated in order. Classes are coded alphabetically: 0 bus,
    1 opel, 2 saab, 3 van.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``vehicle/xa?.dat``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when a file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (846, 18) float64, ``target`` (846,) int64,
        ``feature_names``, ``target_names``, ``DESCR`` and ``frame``
        (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_vehicle
    >>> vehicle = fetch_vehicle()  # doctest: +SKIP
    >>> vehicle.target_names  # doctest: +SKIP
    ['bus', 'opel', 'saab', 'van']
    """
    df = read_csv(
        _VEHICLE_FILES,
        data_home=data_home,
        download_if_missing=download_if_missing,
        sep=r"\s+",
        header=None,
        names=[*_VEHICLE_FEATURES, "class"],
    )
    y, names = encode_classes(df["class"], _VEHICLE_CLASSES, name="class")
    return make_bunch(
        df[_VEHICLE_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_VEHICLE_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# -------------------------------------------------------------- segment
_SEGMENT_FEATURES = [
    "region_centroid_col",
    "region_centroid_row",
    "region_pixel_count",
    "short_line_density_5",
    "short_line_density_2",
    "vedge_mean",
    "vedge_sd",
    "hedge_mean",
    "hedge_sd",
    "intensity_mean",
    "rawred_mean",
    "rawblue_mean",
    "rawgreen_mean",
    "exred_mean",
    "exblue_mean",
    "exgreen_mean",
    "value_mean",
    "saturation_mean",
    "hue_mean",
]
_SEGMENT_CLASSES = {
    1: "brickface",
    2: "sky",
    3: "foliage",
    4: "cement",
    5: "window",
    6: "path",
    7: "grass",
}
_SEGMENT_DESCR = _descr(
    "Statlog (Image Segmentation)",
    "2310 3x3 pixel regions of 7 outdoor images, 19 continuous features,\n"
    "7 classes of 330 regions each. region_pixel_count is constant (9) and\n"
    "224 rows duplicate other rows; both are kept as published.\n"
    "(Vision Group, University of Massachusetts, 1990.)",
)


def fetch_segment(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Statlog Image Segmentation dataset (classification).

    ==============   ==============
    Samples total              2310
    Dimensionality               19
    Features                   real
    Classes           7 (330 each)
    ==============   ==============

    This is the Statlog file ``segment.dat`` (training and test parts of
    the original set merged). Target codes ``0..6`` stand for the original
    classes 1..7 (brickface, sky, foliage, cement, window, path, grass).
    The constant feature ``region_pixel_count`` is kept.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``segment/segment.dat``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (2310, 19) float64, ``target`` (2310,) int64,
        ``feature_names``, ``target_names``, ``DESCR`` and ``frame``
        (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_segment
    >>> X, y = fetch_segment(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (2310, 19)
    """
    df = read_csv(
        ["segment/segment.dat"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        sep=" ",
        header=None,
        names=[*_SEGMENT_FEATURES, "class"],
    )
    y, names = encode_classes(df["class"], _SEGMENT_CLASSES, name="class")
    return make_bunch(
        df[_SEGMENT_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_SEGMENT_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# ----------------------------------------------------------- ionosphere
_IONOSPHERE_FEATURES = [
    f"pulse_{i // 2 + 1:02d}_{'im' if i % 2 else 're'}" for i in range(34)
]
_IONOSPHERE_CLASSES = {"b": "bad", "g": "good"}
_IONOSPHERE_DESCR = _descr(
    "Ionosphere",
    "351 radar returns from the ionosphere (Goose Bay, Labrador), 34\n"
    "continuous features: real and imaginary parts of 17 pulse numbers of\n"
    "the autocorrelation function. Classes: bad (126) / good (225) returns.\n"
    "pulse_01_im is constant 0 and kept as published.\n"
    "(V. Sigillito, Johns Hopkins University Applied Physics Laboratory, 1989.)",
)


def fetch_ionosphere(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Ionosphere dataset (binary classification).

    ==============   ==============
    Samples total               351
    Dimensionality               34
    Features          real, [-1, 1]
    Classes          2 (126 b / 225 g)
    ==============   ==============

    Target 1 means a "good" return (``g``), 0 a "bad" one (``b``). The
    second feature (``pulse_01_im``) is constant 0; it is kept so that the
    data are the published ones, drop it if your model needs to.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``ionosphere/ionosphere.data``),
        see :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (351, 34) float64, ``target`` (351,) int64,
        ``feature_names``, ``target_names`` (``['bad', 'good']``),
        ``DESCR`` and ``frame`` (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_ionosphere
    >>> X, y = fetch_ionosphere(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, y.sum()  # doctest: +SKIP
    ((351, 34), 225)
    """
    df = read_csv(
        ["ionosphere/ionosphere.data"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        header=None,
        names=[*_IONOSPHERE_FEATURES, "class"],
    )
    y, names = encode_classes(df["class"], _IONOSPHERE_CLASSES, name="class")
    return make_bunch(
        df[_IONOSPHERE_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_IONOSPHERE_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# -------------------------------------------------------- heart disease
_HEART_FEATURES = [
    "age",
    "sex",
    "cp",
    "trestbps",
    "chol",
    "fbs",
    "restecg",
    "thalach",
    "exang",
    "oldpeak",
    "slope",
    "ca",
    "thal",
]
_HEART_DESCR = _descr(
    "Heart Disease (Cleveland)",
    "303 patients of the Cleveland Clinic Foundation, the 14-attribute\n"
    "'processed' form: 13 features (age, sex, chest pain type cp, resting\n"
    "blood pressure, cholesterol, fasting blood sugar, resting ECG, maximum\n"
    "heart rate, exercise angina, ST depression oldpeak, slope, number of\n"
    "major vessels ca, thal) and the diagnosis num (0 = no disease, 1-4).\n"
    "The 6 rows with a missing value ('?' in ca or thal) are dropped,\n"
    "leaving 297. Coded nominal features (cp, restecg, slope, thal) are\n"
    "kept as their numeric codes.\n"
    "(R. Detrano, V.A. Medical Center, Long Beach and Cleveland Clinic\n"
    "Foundation, 1988.)",
)


def fetch_heart_disease(
    *,
    binary=True,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    as_frame=False,
):
    """Load the UCI Heart Disease (Cleveland) dataset (classification).

    ==============   ==============
    Samples total       297 (of 303)
    Dimensionality               13
    Features                   real
    Classes           2 (or 5 if not binary)
    ==============   ==============

    The 6 rows with a missing value (``?`` in ``ca`` or ``thal``) are
    dropped. The nominal features ``cp``, ``restecg``, ``slope`` and
    ``thal`` are kept as their numeric codes.

    Parameters
    ----------
    binary : bool, default=True
        If True, the target is ``num > 0`` (presence of heart disease, 137
        positive / 160 negative in the 297 rows), as in most papers. If
        False, it is the diagnosis ``num`` in ``0..4``.
    data_home : str or path-like, default=None
        Folder holding the dataset files
        (``heart_disease/processed.cleveland.data``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (297, 13) float64, ``target`` (297,) int64,
        ``feature_names``, ``target_names``, ``DESCR`` and ``frame``
        (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_heart_disease
    >>> X, y = fetch_heart_disease(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, y.sum()  # doctest: +SKIP
    ((297, 13), 137)
    """
    df = read_csv(
        ["heart_disease/processed.cleveland.data"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        header=None,
        names=[*_HEART_FEATURES, "num"],
        na_values="?",
    ).dropna()
    if binary:
        y = (df["num"] > 0).astype(np.int64).rename("heart_disease")
        names = ["absence", "presence"]
    else:
        y, names = encode_classes(df["num"], {i: str(i) for i in range(5)}, name="num")
    return make_bunch(
        df[_HEART_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_HEART_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# --------------------------------------------------------- pima diabetes
_PIMA_FEATURES = [
    "Pregnancies",
    "Glucose",
    "BloodPressure",
    "SkinThickness",
    "Insulin",
    "BMI",
    "DiabetesPedigreeFunction",
    "Age",
]
_PIMA_DESCR = (
    "Pima Indians Diabetes\n=====================\n\n"
    "768 female patients of Pima Indian heritage, at least 21 years old;\n"
    "8 features and the onset of diabetes within five years (Outcome,\n"
    "268 positive). Zeros in Glucose, BloodPressure, SkinThickness, Insulin\n"
    "and BMI are disguised missing values; they are kept as published.\n\n"
    "Source: National Institute of Diabetes and Digestive and Kidney\n"
    "Diseases, formerly in the UCI repository; this is the common Kaggle\n"
    "'diabetes.csv' form. Smith, J.W. et al. (1988), Using the ADAP\n"
    "learning algorithm to forecast the onset of diabetes mellitus.\n"
)


def fetch_pima_diabetes(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the Pima Indians Diabetes dataset (binary classification).

    ==============   ==============
    Samples total               768
    Dimensionality                8
    Features                   real
    Classes          2 (500 / 268)
    ==============   ==============

    Zeros that stand for missing values (e.g. 374 in ``Insulin``) are kept
    as published: impute or drop them yourself if needed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``pima_diabetes/diabetes.csv``),
        see :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (768, 8) float64, ``target`` (768,) int64 (1 =
        diabetes), ``feature_names``, ``target_names``, ``DESCR`` and
        ``frame`` (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_pima_diabetes
    >>> X, y = fetch_pima_diabetes(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (768, 8)
    """
    df = read_csv(
        ["pima_diabetes/diabetes.csv"],
        data_home=data_home,
        download_if_missing=download_if_missing,
    )
    y, names = encode_classes(
        df["Outcome"], {0: "no_diabetes", 1: "diabetes"}, name="Outcome"
    )
    return make_bunch(
        df[_PIMA_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_PIMA_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# -------------------------------------------------------------- abalone
_ABALONE_NUMERIC = [
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
]
_ABALONE_DESCR = _descr(
    "Abalone",
    "4177 abalones: sex (M, F, I = infant) and 7 physical measurements\n"
    "(lengths in mm and weights in grams, both divided by 200 in the\n"
    "published file); target: number of rings (1-29; age = rings + 1.5).\n"
    "(W. J. Nash et al., Marine Resources Division, Tasmania, 1994.)",
)


def fetch_abalone(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Abalone dataset (regression).

    ==============   ==============
    Samples total              4177
    Dimensionality   10 (8 if as_frame)
    Features         real + one nominal
    Target           real (rings), 1 - 29
    ==============   ==============

    ``sex`` is nominal (``F``, ``I``, ``M``): a ``category`` column when
    `as_frame` is True, otherwise one-hot encoded as the first three
    columns ``sex_F``, ``sex_I``, ``sex_M``, followed by the 7 numeric
    measurements.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``abalone/abalone.data``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame (``sex`` categorical), ``target`` a
        Series and ``frame`` a DataFrame holding both; otherwise they are
        ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (4177, 10) float64, ``target`` (4177,) float64
        (rings), ``feature_names``, ``target_names`` (``['rings']``),
        ``DESCR`` and ``frame`` (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_abalone
    >>> abalone = fetch_abalone()  # doctest: +SKIP
    >>> abalone.feature_names[:3]  # doctest: +SKIP
    ['sex_F', 'sex_I', 'sex_M']
    """
    df = read_csv(
        ["abalone/abalone.data"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        header=None,
        names=["sex", *_ABALONE_NUMERIC, "rings"],
    )
    X = df[_ABALONE_NUMERIC].astype(np.float64)
    X.insert(0, "sex", pd.Categorical(df["sex"], categories=["F", "I", "M"]))
    return make_bunch(
        X,
        df["rings"].astype(np.float64),
        target_names=["rings"],
        descr=_ABALONE_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# ---------------------------------------------------------------- yeast
_YEAST_FEATURES = ["mcg", "gvh", "alm", "mit", "erl", "pox", "vac", "nuc"]
_YEAST_CLASSES = {
    c: c for c in ["CYT", "ERL", "EXC", "ME1", "ME2", "ME3", "MIT", "NUC", "POX", "VAC"]
}
_YEAST_DESCR = _descr(
    "Yeast",
    "1484 yeast proteins, 8 continuous features computed from the amino\n"
    "acid sequence, 10 localisation sites (CYT 463 ... ERL 5, heavily\n"
    "imbalanced: use stratified splits). The sequence name is dropped.\n"
    "(K. Nakai, Institute of Molecular and Cellular Biology, Osaka, 1996.)",
)


def fetch_yeast(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Yeast dataset (classification).

    ==============   ==============
    Samples total              1484
    Dimensionality                8
    Features          real, [0, 1]
    Classes                      10
    ==============   ==============

    The sequence-name column is dropped. Classes are coded alphabetically
    (``CYT, ERL, EXC, ME1, ME2, ME3, MIT, NUC, POX, VAC``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``yeast/yeast.data``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (1484, 8) float64, ``target`` (1484,) int64,
        ``feature_names``, ``target_names``, ``DESCR`` and ``frame``
        (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_yeast
    >>> X, y = fetch_yeast(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (1484, 8)
    """
    df = read_csv(
        ["yeast/yeast.data"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        sep=r"\s+",
        header=None,
        names=["sequence_name", *_YEAST_FEATURES, "class"],
    )
    y, names = encode_classes(df["class"], _YEAST_CLASSES, name="class")
    return make_bunch(
        df[_YEAST_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_YEAST_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


# ----------------------------------------------------------------- wine
_WINE_FEATURES = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
]
_WINE_DESCR = _descr(
    "Wine",
    "178 wines from three cultivars of the same region in Italy, 13\n"
    "chemical measurements. Same data as sklearn.datasets.load_wine.\n"
    "(M. Forina et al., PARVUS, Institute of Pharmaceutical and Food\n"
    "Analysis and Technologies, Genoa.)",
)


def fetch_wine(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the UCI Wine dataset (classification).

    ==============   ==============
    Samples total               178
    Dimensionality               13
    Features         real, positive
    Classes           3 (59/71/48)
    ==============   ==============

    The data equal :func:`sklearn.datasets.load_wine` (same feature names;
    target codes ``0..2`` for the published classes 1..3); this fetcher
    reads the UCI file so that it can be verified like the other datasets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``wine/wine.data``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series and ``frame``
        a DataFrame holding both; otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (178, 13) float64, ``target`` (178,) int64,
        ``feature_names``, ``target_names``, ``DESCR`` and ``frame``
        (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_wine
    >>> X, y = fetch_wine(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (178, 13)
    """
    df = read_csv(
        ["wine/wine.data"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        header=None,
        names=["class", *_WINE_FEATURES],
    )
    y, names = encode_classes(
        df["class"], {1: "class_0", 2: "class_1", 3: "class_2"}, name="target"
    )
    return make_bunch(
        df[_WINE_FEATURES].astype(np.float64),
        y,
        target_names=names,
        descr=_WINE_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
