import os
import stat
import sys
import threading

import pytest

from sklearn_interp._io import create_temp_beside, temp_owner_pid, write_text_atomic


def test_write_text_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "result.json"
    write_text_atomic(path, "old\n")
    write_text_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "result.json"
    write_text_atomic(path, "old\n")
    with pytest.raises(TypeError):
        write_text_atomic(path, b"not text")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


@pytest.fixture
def umask():
    """Set the process umask for a test; the previous one is restored."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


@pytest.mark.parametrize(
    "mask, expected", [(0o077, 0o600), (0o022, 0o644)], ids=["umask077", "umask022"]
)
def test_written_file_has_default_permissions(tmp_path, umask, mask, expected):
    umask(mask)
    path = tmp_path / "result.json"
    write_text_atomic(path, "x\n")
    assert stat.S_IMODE(path.stat().st_mode) == expected


@pytest.mark.parametrize("mask", [0o077, 0o022], ids=["umask077", "umask022"])
def test_explicit_mode(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "result.json"
    write_text_atomic(path, "x\n", mode=0o640)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_concurrent_writers_respect_the_umask(tmp_path, umask):
    umask(0o077)
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [
            threading.Thread(target=_write_many, args=(tmp_path / str(i),))
            for i in range(16)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous_interval)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*.txt")}
    assert len(list(tmp_path.rglob("*.txt"))) == 16 * 150
    assert modes == {0o600}
    assert umask(0o077) == 0o077  # the process umask was left alone


def _write_many(folder):
    for j in range(150):
        write_text_atomic(folder / f"{j}.txt", "x")


def test_temp_owner_pid(tmp_path):
    path = tmp_path / "data.csv"
    path.parent.mkdir(exist_ok=True)
    fd, tmp = create_temp_beside(path, ".part")
    os.close(fd)
    assert temp_owner_pid(tmp, path, ".part") == os.getpid()
    assert temp_owner_pid(tmp, path, ".tmp") is None
    assert temp_owner_pid(tmp, tmp_path / "other.csv", ".part") is None
    assert temp_owner_pid(path.with_name(".data.csv.12.part"), path, ".part") is None
    other_target = path.with_name(".data.csv.1.12.0123abcd.part")  # for "data.csv.1"
    assert temp_owner_pid(other_target, path, ".part") is None
