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
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zlib
from pathlib import Path

from .._io import create_temp_beside, temp_owner_pid
from ._registry import REGISTRY, SYSTEM_DATA_DIRS

__all__ = ["ChecksumError", "fetch_file", "get_data_home"]

logger = logging.getLogger(__name__)

DATA_HOME_ENV = "SKLEARN_INTERP_DATA"
MIRROR_ENV = "SKLEARN_INTERP_DATA_URL"
_DEFAULT_DATA_HOME = "~/sklearn_interp_data"
TIMEOUT_ENV = "SKLEARN_INTERP_DOWNLOAD_TIMEOUT"
_DEFAULT_TIMEOUT = 300
_READ_TIMEOUT = 30
_CHUNK = 1 << 20
_EDGE = 1 << 16  # bytes hashed at each end of a file for the verification cache
_PART = ".part"

# Files already verified in this process, keyed by path -> _stamp.
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


def fetch_file(relpath, *, data_home=None, download_if_missing=True, timeout=None):
    """Return the local path of a registered dataset file, verified.

    The file is looked for at ``<data_home>/<relpath>``, then in the
    system-wide folders listed for its dataset in ``SYSTEM_DATA_DIRS`` (a
    corrupt copy there is skipped with a warning). If it is found nowhere
    and `download_if_missing` is True, it is downloaded into the data home:
    to a temporary file in the target folder, which is verified and then
    atomically renamed, so no partial file is ever left behind (temporary
    files of earlier, killed downloads are removed). Downloads go to the
    registry URL, or to ``$SKLEARN_INTERP_DATA_URL/<relpath>`` when that
    variable is set; a download larger than the registered size, one
    redirected to another scheme (other than http to https), or one lasting
    longer than `timeout` is abandoned.

    Parameters
    ----------
    relpath : str
        Path of the file relative to the data home, as in the registry.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        Whether to download the file when it is not found locally.
    timeout : float, default=None
        Seconds after which a download is abandoned. If None, use the
        environment variable ``SKLEARN_INTERP_DOWNLOAD_TIMEOUT``, else 300.

    Returns
    -------
    path : pathlib.Path
        Path of the verified file.

    Raises
    ------
    FileNotFoundError
        If the file is missing and `download_if_missing` is False.
    ChecksumError
        If the file in the data home or the downloaded file has the wrong
        checksum.
    ValueError
        If ``SKLEARN_INTERP_DATA_URL`` is not an http(s) URL, or the timeout
        is not a positive number.
    OSError
        If the download fails.
    """
    remote = REGISTRY[relpath]
    target = Path(get_data_home(data_home)) / relpath
    for candidate in _candidates(target, relpath):
        if candidate.is_file() and _usable(candidate, remote, target):
            return candidate
    if not download_if_missing:
        raise FileNotFoundError(_missing_message(target, relpath))
    _download(_url_for(remote), target, remote, _timeout(timeout))
    return target


def _usable(candidate, remote, target):
    """Verify a local copy; a corrupt system-wide copy is only warned about."""
    try:
        _verify_local(candidate, remote)
    except ChecksumError as exc:
        if candidate == target:
            raise
        warnings.warn(f"Ignoring corrupt copy {candidate}: {exc}", stacklevel=3)
        return False
    return True


def _timeout(timeout):
    """The download timeout in seconds, from the argument or the environment."""
    if timeout is None:
        timeout = os.environ.get(TIMEOUT_ENV, _DEFAULT_TIMEOUT)
    try:
        seconds = float(timeout)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError(
            f"The download timeout must be a positive number of seconds (argument "
            f"timeout or environment variable {TIMEOUT_ENV}), got {timeout!r}."
        )
    return seconds


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
    if not mirror:
        return remote.url
    parts = urllib.parse.urlsplit(mirror)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{MIRROR_ENV} must be an http:// or https:// URL such as "
            f"https://example.org/data, got {mirror!r}."
        )
    return f"{mirror.rstrip('/')}/{remote.path}"


def _sha256(path, *, decompress=False, limit=None):
    """SHA-256 of a file's bytes, or of its gzip-decompressed content.

    Decompression stops with an OSError beyond `limit` bytes.
    """
    digest = hashlib.sha256()
    opener = gzip.open if decompress else open
    size = 0
    with opener(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            size += len(chunk)
            if limit is not None and size > limit:
                raise OSError(f"content larger than the expected {limit} bytes")
            digest.update(chunk)
    return digest.hexdigest()


def _matches(path, remote):
    """Return ``(ok, got)`` where got is the content hash that was checked."""
    got = _sha256(path)
    if got in remote.gzip_sha256:
        return True, got
    if remote.is_gzip:
        try:
            got = _sha256(path, decompress=True, limit=remote.uncompressed_size)
        except (OSError, EOFError, zlib.error) as exc:  # not a valid gzip stream
            return False, f"<unreadable gzip content: {exc}>"
    return got == remote.sha256, got


def _stamp(path):
    """Cheap identity of a file's current state: ``(key, stamp)``.

    The stamp holds the inode, size, modification and status-change times
    (the latter is updated by every write and cannot be set back), and a
    hash of the first and last blocks, so a file replaced in place with the
    same size and modification time does not pass for the verified one.
    """
    stat = path.stat()
    edges = hashlib.sha256()
    with open(path, "rb") as stream:
        edges.update(stream.read(_EDGE))
        stream.seek(max(stat.st_size - _EDGE, 0))
        edges.update(stream.read(_EDGE))
    identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return str(path.resolve()), (*identity, edges.hexdigest())


def _verify_local(path, remote):
    """Raise ChecksumError unless the local file `path` is the registered one.

    A successful check is remembered for as long as the file keeps the same
    :func:`_stamp`, so repeated fetches do not re-hash it.
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


def _download(url, target, remote, timeout):
    """Download `url` to `target` through a verified temporary file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    fd, tmp = create_temp_beside(target, _PART)
    logger.info("Downloading %s to %s", url, target)
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_url(url, out, remote, timeout)
        except (OSError, http.client.HTTPException) as exc:
            raise OSError(_failure_message(url, target, exc)) from exc
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
        tmp.unlink(missing_ok=True)
        raise
    key, stamp = _stamp(target)
    _verified[key] = stamp


def _remove_stale_temps(target):
    """Remove temporary files left beside `target` by killed downloads.

    A temporary file is stale when the process named in it is not running,
    or when it was last written more than a day ago.
    """
    for tmp in target.parent.iterdir():
        pid = temp_owner_pid(tmp, target, _PART)
        if pid is None:
            continue
        with contextlib.suppress(FileNotFoundError):
            if not _running(pid) or time.time() - tmp.stat().st_mtime > 86400:
                tmp.unlink()


def _running(pid):
    """Whether process `pid` exists (assumed on Windows, where signal 0 is Ctrl-C)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def _copy_url(url, out, remote, timeout):
    """Stream `url` into the binary file `out`, within size and time limits.

    No single socket operation waits longer than half of `timeout` (at most
    ``_READ_TIMEOUT``), and the body is abandoned once the rest of the time
    has run out, so the transfer ends within `timeout` seconds (unless the
    server drips its headers: those are bounded per read only).
    """
    read_timeout = min(_READ_TIMEOUT, timeout / 2)
    stop_at = time.monotonic() + timeout - read_timeout
    exact = remote.size if url == remote.url or not remote.is_gzip else None
    limit = remote.max_download_size
    with _OPENER.open(url, timeout=read_timeout) as response:
        announced = _content_length(response, exact, limit)
        received = 0
        while chunk := response.read1(_CHUNK):
            received += len(chunk)
            if received > limit:
                raise OSError(f"the server sent more than the expected {limit} bytes")
            if time.monotonic() > stop_at:
                raise TimeoutError(
                    f"not finished after {timeout:g} s (received {received} bytes); "
                    f"set {TIMEOUT_ENV} to allow more time"
                )
            out.write(chunk)
    if announced is not None and received != announced:
        raise OSError(f"cut short: received {received} of {announced} bytes")


def _content_length(response, exact, limit):
    """The announced body size, checked before any of the body is read."""
    announced = response.headers.get("Content-Length")
    if announced is None:
        return None
    try:
        announced = int(announced)
    except ValueError:
        raise OSError(f"invalid Content-Length {announced!r}") from None
    if announced > limit or (exact is not None and announced != exact):
        expected = exact if exact is not None else f"at most {limit}"
        raise OSError(f"Content-Length is {announced} bytes, expected {expected}")
    return announced


def _failure_message(url, target, exc):
    return (
        f"Download of {url} failed: {exc}. Check the connection and retry, set "
        f"{MIRROR_ENV} to a reachable mirror, or download the file yourself "
        f"from {url} and put it at {target} (or in the folder named by "
        f"{DATA_HOME_ENV}, keeping the <dataset>/<file> layout)."
    )


class _SameSchemeRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects within the same scheme, or from http to https only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old = urllib.parse.urlsplit(req.full_url).scheme
        new = urllib.parse.urlsplit(newurl).scheme
        if new != old and (old, new) != ("http", "https"):
            raise urllib.error.URLError(
                f"refused redirect from {req.full_url} to {newurl} (scheme {new})"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameSchemeRedirectHandler)
