"""Registry of every remote dataset file: local path, origin URL, checksum.

Paths are relative to the data home (see
:func:`sklearn_interp.datasets.get_data_home`). ``sha256`` is the SHA-256 of
the file's *content*: for ``.gz`` files it is the hash of the decompressed
bytes, so a copy recompressed by a mirror (different gzip header or level)
still verifies. ``gzip_sha256`` optionally lists hashes of whole ``.gz``
files as published by their origin; a file matching one of them is
accepted as well. ``size`` and ``uncompressed_size`` bound downloads and
decompression, so a wrong or hostile server cannot fill the disk.

The hashes and sizes of all files except MNIST's training images are
those of the copies described in the project's ``shared/data/MANIFEST.md``
(computed with Python from those files); the MANIFEST states that the MNIST
and Fashion-MNIST ``.gz`` sizes equal the originals'. MNIST's training
images have the published size of LeCun's archive (9912422 bytes,
47040016 decompressed). For the UCI files the MANIFEST copies come
from GitHub mirrors of the UCI archive; the archive's own bytes are believed
identical but were not compared byte by byte, so a download from the UCI
URL that differs is reported as a checksum error rather than used.

To download from a mirror instead of the origins below, set the environment
variable ``SKLEARN_INTERP_DATA_URL``: every file is then fetched from
``$SKLEARN_INTERP_DATA_URL/<path>``, i.e. the mirror must use the data-home
layout.
"""

from dataclasses import dataclass

__all__ = ["REGISTRY", "SYSTEM_DATA_DIRS", "RemoteFile"]


@dataclass(frozen=True)
class RemoteFile:
    """A dataset file and where it comes from.

    Parameters
    ----------
    path : str
        Path relative to the data home, ``"<dataset>/<file name>"``.
    url : str
        Canonical public URL of the file.
    sha256 : str or None
        SHA-256 of the content (decompressed content for ``.gz`` files), or
        None when no content hash could be verified.
    size : int or None
        Size in bytes of the file as served at `url`. For ``.gz`` files,
        that of the canonical compressed file, or None when not known;
        required for other files.
    uncompressed_size : int or None, default=None
        Size in bytes of the decompressed content of a ``.gz`` file.
    gzip_sha256 : tuple of str, default=()
        SHA-256 of whole ``.gz`` files as published by the origin.
    """

    path: str
    url: str
    sha256: str | None
    size: int | None
    uncompressed_size: int | None = None
    gzip_sha256: tuple = ()

    @property
    def is_gzip(self):
        """Whether the file is gzip-compressed (hashed after decompression)."""
        return self.path.endswith(".gz")

    @property
    def max_download_size(self):
        """Largest acceptable download, in bytes.

        The exact size for plain files. A ``.gz`` file may come recompressed
        from a mirror, so its bound is that of deflate at its worst
        (incompressible content stored as is) on the uncompressed size.
        """
        if not self.is_gzip:
            return self.size
        bound = self.uncompressed_size + self.uncompressed_size // 1000 + 1024
        return max(self.size or 0, bound)


_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"
_PROPUBLICA = "https://raw.githubusercontent.com/propublica/compas-analysis/master"
_GERON = "https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing"
# The Pima data were withdrawn from UCI; this is the pinned GitHub copy of
# the widespread Kaggle ``diabetes.csv`` recorded in the MANIFEST.
_PIMA = (
    "https://raw.githubusercontent.com/9925104006-cpu/"
    "Pima-Indians-Diabetes-Dataset/0db22cd8f0a17f6adcde4d5b3b7c6f834eb9f6e7"
)
# yann.lecun.com no longer serves the files anonymously; Google's CVDF
# mirror (used by TensorFlow/Keras) serves LeCun's original archives.
_MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist"
# Zalando's GitHub repository at the commit recorded in the MANIFEST (the
# labels there are byte-identical to the MANIFEST copies; the images have
# the md5 sums published in its README). Zalando's S3 website endpoint is
# http only.
_FASHION = (
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/"
    "b2617bb6d3ffa2e429640350f613e3291e10b141/data/fashion"
)

_FILES = [
    # COMPAS (ProPublica, "Machine Bias")
    (
        "compas/compas-scores-two-years.csv",
        f"{_PROPUBLICA}/compas-scores-two-years.csv",
        "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d",
        2546489,
    ),
    (
        "compas/compas-scores-two-years-violent.csv",
        f"{_PROPUBLICA}/compas-scores-two-years-violent.csv",
        "918e218ba181d4db8a7266977d23ca7a5ecf1bc7d5defd7b2f27bf3cbd9763e3",
        1603205,
    ),
    # UCI
    (
        "glass/glass.data",
        f"{_UCI}/glass/glass.data",
        "dd67373f4baf2807345df02cbfef2093d342e61ad0d82a4fb79af43ef8ce449d",
        11903,
    ),
    (
        "vehicle/xaa.dat",
        f"{_UCI}/statlog/vehicle/xaa.dat",
        "fc0c8bd7c6df152785d0a6c2d31e41a2e6856aa13d867bfba4adf5f1545149cb",
        6234,
    ),
    (
        "vehicle/xab.dat",
        f"{_UCI}/statlog/vehicle/xab.dat",
        "10b4e1e395ced8b59e8983638b254e8b52c49c8063de12f13c16ec4128cf2e07",
        6269,
    ),
    (
        "vehicle/xac.dat",
        f"{_UCI}/statlog/vehicle/xac.dat",
        "99e32274bcded7e2093d03b6f6ca5a24833315690a426187b25b40756f9b43d1",
        6244,
    ),
    (
        "vehicle/xad.dat",
        f"{_UCI}/statlog/vehicle/xad.dat",
        "7bba11d666a7535bcb1e555c328e65998ef22d839bbdae130d76ef51a71bdd55",
        6276,
    ),
    (
        "vehicle/xae.dat",
        f"{_UCI}/statlog/vehicle/xae.dat",
        "fb9d0622644a535c2e82a203a87b9a82e2dba2c1e86e6c9713ec572b46a1a832",
        6268,
    ),
    (
        "vehicle/xaf.dat",
        f"{_UCI}/statlog/vehicle/xaf.dat",
        "5c6801c96a9c0e9947ee141dec7eeaf7b29b8838a936d31ed3502d589c0e1a85",
        6287,
    ),
    (
        "vehicle/xag.dat",
        f"{_UCI}/statlog/vehicle/xag.dat",
        "58c46e0f6e2905519318e47f7632034c79bc2b866219d1f7e99fb4d0850e4ea4",
        6252,
    ),
    (
        "vehicle/xah.dat",
        f"{_UCI}/statlog/vehicle/xah.dat",
        "20ba5a77150dab9096a54c462a5661fa1a60f73f5b3ee0829f5ba151543ddd2c",
        6272,
    ),
    (
        "vehicle/xai.dat",
        f"{_UCI}/statlog/vehicle/xai.dat",
        "8102cf7019524a3a3beb63993fdfbbf7a7f3dd30eea635e2df280387ba8831d3",
        6261,
    ),
    (
        "segment/segment.dat",
        f"{_UCI}/statlog/segment/segment.dat",
        "d8985260e6e47056da89a4e4124c82ee88fd6072e0db139484c50ff4b390cd82",
        368314,
    ),
    (
        "ionosphere/ionosphere.data",
        f"{_UCI}/ionosphere/ionosphere.data",
        "46d52186b84e20be52918adb93e8fb9926b34795ff7504c24350ae0616a04bbd",
        76467,
    ),
    (
        "heart_disease/processed.cleveland.data",
        f"{_UCI}/heart-disease/processed.cleveland.data",
        "a74b7efa387bc9d108d7d0115d831fe9b414b29ae7124f331b622b4efa0427c8",
        18461,
    ),
    (
        "pima_diabetes/diabetes.csv",
        f"{_PIMA}/diabetes.csv",
        "698c203a14aa31941d2251175330c9199f3ccdb31597abbba2a3e35416257a72",
        23873,
    ),
    (
        "abalone/abalone.data",
        f"{_UCI}/abalone/abalone.data",
        "de37cdcdcaaa50c309d514f248f7c2302a5f1f88c168905eba23fe2fbc78449f",
        191873,
    ),
    (
        "yeast/yeast.data",
        f"{_UCI}/yeast/yeast.data",
        "a82ecfb6ab0a378ca984a1555ebee8367320a48f4e9afbdb1fea23a5d22f3109",
        94975,
    ),
    (
        "wine/wine.data",
        f"{_UCI}/wine/wine.data",
        "6be6b1203f3d51df0b553a70e57b8a723cd405683958204f96d23d7cd6aea659",
        10782,
    ),
    # California housing, Geron's form
    (
        "california_housing/housing.csv",
        f"{_GERON}/housing.csv",
        "8a3727f4cf54ac1a327f69b1d5b4db54c5834ea81c6e4efc0d163300022a685e",
        1423529,
    ),
    # MNIST: content hashes from the MANIFEST copies; .gz hashes of LeCun's
    # original archives as published by TensorFlow Datasets and others.
    (
        "mnist/train-images-idx3-ubyte.gz",
        f"{_MNIST}/train-images-idx3-ubyte.gz",
        None,
        9912422,
        47040016,
        ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",),
    ),
    (
        "mnist/train-labels-idx1-ubyte.gz",
        f"{_MNIST}/train-labels-idx1-ubyte.gz",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        28881,
        60008,
        ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",),
    ),
    (
        "mnist/t10k-images-idx3-ubyte.gz",
        f"{_MNIST}/t10k-images-idx3-ubyte.gz",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        1648877,
        7840016,
        ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",),
    ),
    (
        "mnist/t10k-labels-idx1-ubyte.gz",
        f"{_MNIST}/t10k-labels-idx1-ubyte.gz",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        4542,
        10008,
        ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",),
    ),
    # Fashion-MNIST (Zalando Research)
    (
        "fashion_mnist/train-images-idx3-ubyte.gz",
        f"{_FASHION}/train-images-idx3-ubyte.gz",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        26421880,
        47040016,
    ),
    (
        "fashion_mnist/train-labels-idx1-ubyte.gz",
        f"{_FASHION}/train-labels-idx1-ubyte.gz",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        29515,
        60008,
    ),
    (
        "fashion_mnist/t10k-images-idx3-ubyte.gz",
        f"{_FASHION}/t10k-images-idx3-ubyte.gz",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        4422102,
        7840016,
    ),
    (
        "fashion_mnist/t10k-labels-idx1-ubyte.gz",
        f"{_FASHION}/t10k-labels-idx1-ubyte.gz",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        5148,
        10008,
    ),
]

#: Every known file, keyed by its path relative to the data home.
REGISTRY = {entry[0]: RemoteFile(*entry) for entry in _FILES}

#: System-wide folders searched (after the data home, before downloading)
#: for a dataset's files, keyed by dataset folder name. The Debian package
#: ``dataset-fashion-mnist`` installs the four Fashion-MNIST files in
#: ``/usr/share/datasets/fashion-mnist`` (with normalised gzip headers,
#: hence content hashes).
SYSTEM_DATA_DIRS = {
    "fashion_mnist": ("/usr/share/datasets/fashion-mnist",),
}
