import subprocess
import sys
from pathlib import Path

from .conftest import shared_data_home

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def run_example(name, *args):
    """The example's stdout, after checking that it ran without error."""
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def saved_pngs(folder, *names):
    return all((folder / name).read_bytes()[:8] == PNG for name in names)


def test_quickstart_runs_and_saves_the_decoded_prototypes(tmp_path):
    assert "test accuracy" in run_example("quickstart.py", tmp_path)
    assert saved_pngs(tmp_path, "prototypes.png", "class_weights.png", "explanation.png")


def test_compas_example_prints_prototypes_in_data_units(tmp_path):
    out = run_example("compas_prototypes.py", shared_data_home("compas"), tmp_path)
    assert "test accuracy" in out and "priors_count" in out
    assert saved_pngs(tmp_path, "compas_prototypes_explanation.png")


def test_senn_compas_example_explains_a_defendant(tmp_path):
    out = run_example("senn_compas.py", shared_data_home("compas"), tmp_path)
    assert "test accuracy" in out and "Number_of_Priors" in out
    assert saved_pngs(tmp_path, "senn_compas_relevances.png")


def test_representer_grid_search_example_selects_lam_and_eta(tmp_path):
    out = run_example("representer_grid_search.py", shared_data_home("glass"), tmp_path, "--quick")
    assert "best parameters: {'clf__eta'" in out and "faithfulness with U=10" in out
    table = out.split("explanation model:\n", 1)[1].split("\nsaved ", 1)[0].splitlines()
    # the header, the index name ("row"), then the 10 examples
    assert table[0].split()[:6] == ["label", "acts", "on", "class", "influence", "RI"] and len(table) == 12
    assert saved_pngs(tmp_path, "representer_glass_explanation.png")


def test_feature_leveling_example_reads_the_network(tmp_path):
    out = run_example("feature_leveling_housing.py", shared_data_home("california_housing"), tmp_path, "--quick")
    assert "pruned architecture:" in out and "one district: prediction" in out
    assert saved_pngs(tmp_path, "leveling_housing_weights.png", "leveling_housing_district.png")


def test_contrastive_example_answers_why_a_and_not_b(tmp_path):
    lines = run_example("contrastive_mnist.py", shared_data_home("mnist"), tmp_path, "--quick").splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith(("CDeepEx", "xGEMs"))] == ["CDeepEx", "xGEMs"]
    assert sum(line.strip().startswith("why ") for line in lines) == 5
    assert saved_pngs(tmp_path, *(f"contrastive_mnist_{i}.png" for i in range(3)))
