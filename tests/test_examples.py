import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_runs_and_saves_the_decoded_prototypes(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py"), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout
    for name in ["prototypes.png", "class_weights.png", "explanation.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compas_example_prints_prototypes_in_data_units(tmp_path):
    data_home = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (data_home / "compas").is_dir():
        pytest.skip(f"COMPAS data not found under {data_home}")
    result = subprocess.run([sys.executable, str(EXAMPLES / "compas_prototypes.py"), str(data_home), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and "priors_count" in result.stdout
    assert (tmp_path / "compas_prototypes_explanation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_senn_compas_example_explains_a_defendant(tmp_path):
    data_home = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (data_home / "compas").is_dir():
        pytest.skip(f"COMPAS data not found under {data_home}")
    result = subprocess.run([sys.executable, str(EXAMPLES / "senn_compas.py"), str(data_home), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and "Number_of_Priors" in result.stdout
    assert (tmp_path / "senn_compas_relevances.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_representer_grid_search_example_selects_lam_and_eta(tmp_path):
    data_home = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (data_home / "glass").is_dir():
        pytest.skip(f"Glass data not found under {data_home}")
    command = [sys.executable, str(EXAMPLES / "representer_grid_search.py"), str(data_home), str(tmp_path), "--quick"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "best parameters: {'clf__eta'" in result.stdout and "faithfulness with U=10" in result.stdout
    table = result.stdout.split("explanation model:\n", 1)[1].split("\nsaved ", 1)[0].splitlines()
    # the header, the index name ("row"), then the 10 examples
    assert table[0].split()[:6] == ["label", "acts", "on", "class", "influence", "RI"] and len(table) == 12
    assert (tmp_path / "representer_glass_explanation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_feature_leveling_example_reads_the_network(tmp_path):
    data_home = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (data_home / "california_housing").is_dir():
        pytest.skip(f"California housing data not found under {data_home}")
    command = [sys.executable, str(EXAMPLES / "feature_leveling_housing.py"), str(data_home), str(tmp_path),
               "--quick"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "pruned architecture:" in result.stdout and "one district: prediction" in result.stdout
    for name in ["leveling_housing_weights.png", "leveling_housing_district.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_contrastive_example_answers_why_a_and_not_b(tmp_path):
    data_home = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (data_home / "mnist").is_dir():
        pytest.skip(f"MNIST not found under {data_home}")
    command = [sys.executable, str(EXAMPLES / "contrastive_mnist.py"), str(data_home), str(tmp_path), "--quick"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith(("CDeepEx", "xGEMs"))] == ["CDeepEx", "xGEMs"]
    assert sum(line.strip().startswith("why ") for line in lines) == 5
    for i in range(3):
        assert (tmp_path / f"contrastive_mnist_{i}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
