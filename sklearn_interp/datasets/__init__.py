"""Datasets used to benchmark self-explaining models.

Fetchers follow scikit-learn's ``fetch_*`` conventions: they return a
:class:`~sklearn.utils.Bunch` (or ``(X, y)`` with ``return_X_y=True``) and
read their files from a data folder, downloading and verifying them on
first use.

Where files are looked for
--------------------------
``<data_home>/<dataset>/<file>``, where ``data_home`` is the fetcher's
argument, else the environment variable ``SKLEARN_INTERP_DATA``, else
``~/sklearn_interp_data`` (see :func:`get_data_home`). A folder already
holding the files in this layout (e.g. the project's ``shared/data``) can
be used as is. Fashion-MNIST is also looked for where the Debian package
``dataset-fashion-mnist`` installs it.

Downloads and checksums
-----------------------
Missing files are downloaded from their canonical origin (UCI, ProPublica,
A. Géron's handson-ml2, Zalando, the MNIST mirror), or from
``$SKLEARN_INTERP_DATA_URL/<dataset>/<file>`` when that environment
variable names a mirror. Every file, downloaded or already present, must
match the SHA-256 in the registry (of the decompressed content for
``.gz`` files); otherwise :class:`ChecksumError` is raised (a corrupt copy in
a system-wide folder is skipped with a warning instead). Downloads are
written to a temporary file and renamed only once verified; they are
abandoned beyond the registered size, on a redirect to another scheme
(other than http to https), or after ``SKLEARN_INTERP_DOWNLOAD_TIMEOUT``
seconds (default 300). Offline, point ``SKLEARN_INTERP_DATA`` or
`data_home` at a folder already holding the files.
"""

from ._base import ChecksumError, get_data_home
from ._california_housing import fetch_california_housing
from ._compas import fetch_compas
from ._ixor import make_ixor
from ._mnist import fetch_fashion_mnist, fetch_mnist
from ._uci import (
    fetch_abalone,
    fetch_glass,
    fetch_heart_disease,
    fetch_ionosphere,
    fetch_pima_diabetes,
    fetch_segment,
    fetch_vehicle,
    fetch_wine,
    fetch_yeast,
)

__all__ = [
    "ChecksumError",
    "fetch_abalone",
    "fetch_california_housing",
    "fetch_compas",
    "fetch_fashion_mnist",
    "fetch_glass",
    "fetch_heart_disease",
    "fetch_ionosphere",
    "fetch_mnist",
    "fetch_pima_diabetes",
    "fetch_segment",
    "fetch_vehicle",
    "fetch_wine",
    "fetch_yeast",
    "get_data_home",
    "make_ixor",
]
