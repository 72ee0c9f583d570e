"""File writing shared by the package and its benchmarks."""

import math
import os
import secrets
from pathlib import Path

import numpy as np


def to_jsonable(value):
    """JSON-safe copy: numpy scalars/arrays to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def create_temp_beside(path, suffix):
    """Create and open a new, uniquely named temporary file beside ``path``.

    The file is created by ``os.open`` with mode 0o666, so the kernel
    applies the process umask: once renamed over ``path`` it has the usual
    permissions (0o644 under umask 022), unlike ``tempfile.mkstemp``'s 0o600.
    The process umask itself is never read or changed, so concurrent
    threads are safe. The name is ``.<name>.<pid>.<random><suffix>``: the
    creating process's id lets later runs recognise leftovers of a killed
    process (see :func:`temp_owner_pid`).

    Parameters
    ----------
    path : path-like
        The file the temporary file will replace; its folder must exist.
    suffix : str
        End of the temporary file's name, e.g. ``".tmp"``.

    Returns
    -------
    fd : int
        File descriptor open for writing.
    tmp : pathlib.Path
        Path of the temporary file.
    """
    path = Path(path)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}{suffix}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue


def temp_owner_pid(tmp, path, suffix):
    """Process id in the name of a :func:`create_temp_beside` file, or None.

    Returns None when ``tmp`` is not a temporary file made for ``path`` with
    ``suffix``.
    """
    name = Path(tmp).name
    head = f".{Path(path).name}."
    if not (name.startswith(head) and name.endswith(suffix)):
        return None
    pid, _, token = name[len(head) : len(name) - len(suffix)].partition(".")
    return int(pid) if pid.isdigit() and token and "." not in token else None


def write_text_atomic(path, text, *, mode=None):
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    Readers see the old file or the new one, never a half-written one; the
    temporary file is removed when writing fails or is interrupted.

    Parameters
    ----------
    path : path-like
        File to write; its folder is created if needed.
    text : str
        Content, written as UTF-8 without newline translation.
    mode : int, default=None
        Permission bits of the written file, e.g. ``0o600``. If None, the
        file gets the default permissions under the process umask.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = create_temp_beside(path, ".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
