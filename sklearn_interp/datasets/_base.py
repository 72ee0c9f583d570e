"""Locating, downloading and verifying dataset files.

Every fetcher obtains its files through :func:`fetch_file`, which looks for
the file under the data home, then (for some datasets) in system-wide
install locations, and otherwise downloads it. Every file is checked
against the SHA-256 recorded in :mod:`sklearn_interp.datasets._registry`
before it is used.
"""

import contextlib
import gzip
import hashlib
import http.client
import logging
import os
import tempfile
import urllib.request
from pathlib import Path

from ._registry import REGISTRY, SYSTEM_DATA_DIRS

__all__ = ["ChecksumError", "fetch_file", "get_data_home"]

logger = logging.getLogger(__name__)

DATA_HOME_ENV = "SKLEARN_INTERP_DATA"
MIRROR_ENV = "SKLEARN_INTERP_DATA_URL"
_DEFAULT_DATA_HOME = "~/sklearn_interp_data"
_CHUNK = 1 << 20
_TIMEOUT = 60

# Files already verified in this process, keyed by path -> (size, mtime_ns).
_verified = {}


class ChecksumError(OSError):
    """Raised when a dataset file does not have the expected SHA-256."""


def get_data_home(data_home=None):
    """Return the folder where ``sklearn_interp`` looks for dataset files.

    The folder is, in order of precedence, `data_home`, the environment
    variable ``SKLEARN_INTERP_DATA``, or ``~/sklearn_interp_data``. Its
    layout is ``<data_home>/<dataset>/<file>`` (for example
    ``<data_home>/compas/compas-scores-two-years.csv``), so a folder that
    already holds the files in that layout can be used directly. The folder
    is not created here; it is created when a file is downloaded into it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. If None, use ``SKLEARN_INTERP_DATA`` or
        ``~/sklearn_interp_data``.

    Returns
    -------
    data_home : str
        The absolute path of the data folder (``~`` expanded).

    Examples
    --------
    >>> from sklearn_interp.datasets import get_data_home
    >>> get_data_home("/tmp/my_data")
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV, _DEFAULT_DATA_HOME)
    return str(Path(data_home).expanduser().absolute())


def fetch_file(relpath, *, data_home=None, download_if_missing=True):
    """Return the local path of a registered dataset file, verified.

    The file is looked for at ``<data_home>/<relpath>``, then in the
    system-wide folders listed for its dataset in ``SYSTEM_DATA_DIRS``. If
    it is found nowhere and `download_if_missing` is True, it is downloaded
    into the data home: to a temporary file in the target folder, which is
    verified and then atomically renamed, so no partial file is ever left
    behind. Downloads go to the registry URL, or to
    ``$SKLEARN_INTERP_DATA_URL/<relpath>`` when that variable is set.

    Parameters
    ----------
    relpath : str
        Path of the file relative to the data home, as in the registry.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        Whether to download the file when it is not found locally.

    Returns
    -------
    path : pathlib.Path
        Path of the verified file.

    Raises
    ------
    FileNotFoundError
        If the file is missing and `download_if_missing` is False.
    ChecksumError
        If the local or downloaded file has the wrong checksum.
    OSError
        If the download fails.
    """
    remote = REGISTRY[relpath]
    target = Path(get_data_home(data_home)) / relpath
    for candidate in _candidates(target, relpath):
        if candidate.is_file():
            _verify_local(candidate, remote)
            return candidate
    if not download_if_missing:
        raise FileNotFoundError(_missing_message(target, relpath))
    _download(_url_for(remote), target, remote)
    return target


def _candidates(target, relpath):
    """Yield the places where a file may already exist, in order."""
    yield target
    dataset, name = relpath.split("/", 1)
    for folder in SYSTEM_DATA_DIRS.get(dataset, ()):
        yield Path(folder) / name


def _missing_message(target, relpath):
    searched = [str(path) for path in _candidates(target, relpath)]
    return (
        f"Dataset file {relpath!r} not found (looked in: {', '.join(searched)}) "
        "and download_if_missing=False. Point data_home (or the environment "
        f"variable {DATA_HOME_ENV}) at a folder holding '{relpath}', or call "
        "the fetcher with download_if_missing=True."
    )


def _url_for(remote):
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        return f"{mirror.rstrip('/')}/{remote.path}"
    return remote.url


def _sha256(path, *, decompress=False):
    """SHA-256 of a file's bytes, or of its gzip-decompressed content."""
    digest = hashlib.sha256()
    opener = gzip.open if decompress else open
    with opener(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _matches(path, remote):
    """Return ``(ok, got)`` where got is the content hash that was checked."""
    got = _sha256(path)
    if got in remote.gzip_sha256:
        return True, got
    if remote.is_gzip:
        try:
            got = _sha256(path, decompress=True)
        except (OSError, EOFError) as exc:  # not a (complete) gzip stream
            return False, f"<unreadable gzip content: {exc}>"
    return got == remote.sha256, got


def _stamp(path):
    """Cheap identity of a file's current state: (key, (size, mtime))."""
    stat = path.stat()
    return str(path.resolve()), (stat.st_size, stat.st_mtime_ns)


def _verify_local(path, remote):
    """Raise ChecksumError unless the local file `path` is the registered one.

    A successful check is remembered for as long as the file keeps the same
    size and modification time, so repeated fetches do not re-hash it.
    """
    key, stamp = _stamp(path)
    if _verified.get(key) == stamp:
        return
    ok, got = _matches(path, remote)
    if not ok:
        advice = f"Delete {path} and call the fetcher again to re-download it."
        raise ChecksumError(_checksum_message(remote, got, str(path), advice))
    _verified[key] = stamp


def _checksum_message(remote, got, where, advice):
    what = "uncompressed content" if remote.is_gzip else "file"
    expected = remote.sha256 or "(no content hash recorded)"
    if remote.gzip_sha256:
        expected += f" or .gz file SHA-256 in {list(remote.gzip_sha256)}"
    return (
        f"Checksum mismatch for dataset file {remote.path!r} ({where}): "
        f"expected SHA-256 of the {what} {expected}, got {got}. {advice}"
    )


def _download(url, target, remote):
    """Download `url` to `target` through a verified temporary file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    tmp = Path(tmp_name)
    logger.info("Downloading %s to %s", url, target)
    try:
        with os.fdopen(fd, "wb") as out:
            _copy_url(url, out)
        ok, got = _matches(tmp, remote)
        if not ok:
            advice = (
                f"Nothing was saved to {target}. The server sent a corrupt or "
                f"different file: retry, or set {MIRROR_ENV} to a trusted mirror."
            )
            where = f"downloaded from {url}"
            raise ChecksumError(_checksum_message(remote, got, where, advice))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    key, stamp = _stamp(target)
    _verified[key] = stamp


def _copy_url(url, out):
    """Stream `url` into the binary file `out`, checking its full length."""
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            expected = response.headers.get("Content-Length")
            received = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                received += len(chunk)
    except (OSError, http.client.HTTPException) as exc:
        raise OSError(
            f"Download of {url} failed: {exc}. Check the connection, set "
            f"{MIRROR_ENV} to a reachable mirror, or put the file in the data "
            "home yourself."
        ) from exc
    if expected is not None and received != int(expected):
        raise OSError(
            f"Download of {url} was cut short: received {received} of {expected} bytes."
        )
