"""ProPublica's COMPAS recidivism data (Broward County, Florida)."""

import numpy as np
import pandas as pd

from ._tabular import encode_classes, make_bunch, read_csv

__all__ = ["fetch_compas"]

_FILES = {
    "general": "compas/compas-scores-two-years.csv",
    "violent": "compas/compas-scores-two-years-violent.csv",
}
# Score column that must not be 'N/A' in ProPublica's filter, per variant.
_SCORE_TEXT = {"general": "score_text", "violent": "v_score_text"}

_COUNTS = [
    "age",
    "priors_count",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
]
_CATEGORIES = {
    "sex": ["Female", "Male"],
    "race": [
        "African-American",
        "Asian",
        "Caucasian",
        "Hispanic",
        "Native American",
        "Other",
    ],
    "c_charge_degree": ["F", "M"],
}
_RACE_INDICATORS = {
    "African_American": "African-American",
    "Asian": "Asian",
    "Hispanic": "Hispanic",
    "Native_American": "Native American",
    "Other": "Other",
}

_DESCR = """COMPAS recidivism (ProPublica)
==============================

Criminal defendants screened with the COMPAS risk assessment tool in
Broward County, Florida, in 2013-2014, with their recidivism over the
following two years, as compiled by ProPublica for "Machine Bias"
(Angwin, Larson, Mattu and Kirchner, 2016;
https://github.com/propublica/compas-analysis).

Rows are filtered as in ProPublica's analysis: the COMPAS screening took
place within 30 days of the arrest (-30 <= days_b_screening_arrest <= 30),
is_recid != -1, ordinary traffic offences removed (c_charge_degree != 'O')
and a COMPAS score exists. This leaves 6172 of 7214 rows for the general
(two_year_recid 0: 3363, 1: 2809) and 4020 of 4743 rows for the violent
recidivism file.

features='default': age, priors_count, juv_fel_count, juv_misd_count,
juv_other_count, length_of_stay (days between c_jail_in and c_jail_out
dates), sex, race and c_charge_degree (F felony / M misdemeanour);
target two_year_recid.

features='senn': the 11 binary/count features of the FairML
'propublica_data_for_fairml.csv' table used by Self-Explaining Neural
Networks (Alvarez-Melis and Jaakkola, 2018, section 5.1), target
score_factor = COMPAS score text Medium or High. Rebuilt here from the
ProPublica file; it reproduces that table exactly.
"""


def _filter(df, variant):
    """ProPublica's standard row filter.

    pandas reads the score text 'N/A' as NaN, hence ``notna``.
    """
    keep = (
        df["days_b_screening_arrest"].between(-30, 30)
        & (df["is_recid"] != -1)
        & (df["c_charge_degree"] != "O")
        & df[_SCORE_TEXT[variant]].notna()
    )
    return df[keep]


def _default_features(df):
    """Return ``(X, y, target_names)`` for ``features='default'``."""
    X = df[_COUNTS].astype(np.float64)
    jail_in = pd.to_datetime(df["c_jail_in"]).dt.normalize()
    jail_out = pd.to_datetime(df["c_jail_out"]).dt.normalize()
    X["length_of_stay"] = (jail_out - jail_in).dt.days.astype(np.float64)
    for name, categories in _CATEGORIES.items():
        X[name] = pd.Categorical(df[name], categories=categories)
    y, names = encode_classes(
        df["two_year_recid"], {0: "no_recid", 1: "recid"}, name="two_year_recid"
    )
    return X, y, names


def _senn_features(df):
    """Return ``(X, y, target_names)`` for ``features='senn'``."""
    X = pd.DataFrame(
        {
            "Two_yr_Recidivism": df["two_year_recid"],
            "Number_of_Priors": np.sqrt(df["priors_count"] / 38.0),  # the SENN authors' rescaling
            "Age_Above_FourtyFive": df["age_cat"] == "Greater than 45",
            "Age_Below_TwentyFive": df["age_cat"] == "Less than 25",
            **{col: df["race"] == race for col, race in _RACE_INDICATORS.items()},
            "Female": df["sex"] == "Female",
            "Misdemeanor": df["c_charge_degree"] == "M",
        }
    ).astype(np.float64)
    y = (df["score_text"] != "Low").astype(np.int64).rename("score_factor")
    return X, y, ["low", "medium_or_high"]


def fetch_compas(
    *,
    variant="general",
    features="default",
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    as_frame=False,
):
    """Load ProPublica's COMPAS recidivism dataset (binary classification).

    ==============   =====================================
    Samples total    6172 (general) / 4020 (violent)
    Dimensionality   16 (default; 9 if as_frame) / 11 (senn)
    Features         counts, days, binary indicators
    Classes          2
    ==============   =====================================

    Rows are filtered as in ProPublica's "Machine Bias" analysis:
    ``-30 <= days_b_screening_arrest <= 30``, ``is_recid != -1``,
    ``c_charge_degree != 'O'`` and a COMPAS score present.

    With ``features='default'`` the features are ``age``,
    ``priors_count``, ``juv_fel_count``, ``juv_misd_count``,
    ``juv_other_count``, ``length_of_stay`` (days from ``c_jail_in`` to
    ``c_jail_out``, calendar dates) and the nominal ``sex``, ``race`` and
    ``c_charge_degree`` (``F``/``M``). When `as_frame` is False the nominal
    ones are one-hot encoded with one column per category (``sex_Female``,
    ``sex_Male``, ``race_African-American``, ..., ``race_Other``,
    ``c_charge_degree_F``, ``c_charge_degree_M``), giving 16 columns. The
    target is ``two_year_recid``.

    With ``features='senn'`` the data are those of Self-Explaining Neural
    Networks [2]_ (§5.1), which used the FairML table
    ``propublica_data_for_fairml.csv``: 11 features ``Two_yr_Recidivism``,
    ``Number_of_Priors``, ``Age_Above_FourtyFive``,
    ``Age_Below_TwentyFive``, ``African_American``, ``Asian``,
    ``Hispanic``, ``Native_American``, ``Other`` (Caucasian is the
    reference), ``Female`` and ``Misdemeanor``; the target is
    ``score_factor``, i.e. whether the COMPAS score text is Medium or High
    (the model learns to mimic COMPAS). ``Number_of_Priors`` is rescaled as
    in the SENN authors' script, ``sqrt(priors_count / 38)`` (38 is the
    largest count in their table).

    Parameters
    ----------
    variant : {"general", "violent"}, default="general"
        Which ProPublica file to use: general recidivism
        (``compas-scores-two-years.csv``) or violent recidivism
        (``compas-scores-two-years-violent.csv``, filtered on the violence
        score ``v_score_text``).
    features : {"default", "senn"}, default="default"
        Feature set and target, see above. ``"senn"`` requires
        ``variant="general"``.
    data_home : str or path-like, default=None
        Folder holding the dataset files (``compas/<file>``), see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame (nominal features as ``category``
        columns), ``target`` a Series and ``frame`` a DataFrame holding
        both. If False, ``data`` is a float64 ndarray with nominal features
        one-hot encoded.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data``, ``target`` (int64, 1 = recidivism or Medium/High
        score), ``feature_names``, ``target_names``, ``DESCR`` and
        ``frame`` (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    References
    ----------
    .. [1] J. Angwin, J. Larson, S. Mattu and L. Kirchner, "Machine Bias",
       ProPublica, 2016. https://github.com/propublica/compas-analysis
    .. [2] D. Alvarez-Melis and T. S. Jaakkola, "Towards Robust
       Interpretability with Self-Explaining Neural Networks", NeurIPS 2018.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_compas
    >>> X, y = fetch_compas(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (6172, 16)
    >>> fetch_compas(features="senn").data.shape  # doctest: +SKIP
    (6172, 11)
    """
    if variant not in _FILES:
        raise ValueError(f"variant must be 'general' or 'violent', got {variant!r}.")
    if features not in ("default", "senn"):
        raise ValueError(f"features must be 'default' or 'senn', got {features!r}.")
    if features == "senn" and variant != "general":
        raise ValueError("features='senn' is defined on variant='general' only.")
    df = read_csv(
        [_FILES[variant]],
        data_home=data_home,
        download_if_missing=download_if_missing,
        usecols=lambda col: col != "two_year_recid.1",
    )
    df = _filter(df, variant)
    build = _senn_features if features == "senn" else _default_features
    X, y, names = build(df)
    return make_bunch(
        X,
        y,
        target_names=names,
        descr=_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
