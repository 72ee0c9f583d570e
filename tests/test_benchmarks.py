"""Smoke test of the benchmarks: every benchmark's --quick version runs and writes its results.

Runs ``overhead`` and ``prototype`` with ``quick=True`` into a temporary
folder (about 20 s on 2 CPU cores) and checks the JSON/CSV files, their keys
and that the figures are finite numbers. Needs the project's ``shared/data``
folder (or ``SKLEARN_INTERP_DATA``) for the datasets.
"""

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import runner

DATA_HOME = os.environ.get("SKLEARN_INTERP_DATA") or runner.default_data_home()
needs_data = pytest.mark.skipif(
    DATA_HOME is None or not Path(DATA_HOME, "fashion_mnist").is_dir(),
    reason="benchmark data not found (shared/data beside the repository, or SKLEARN_INTERP_DATA)",
)

TOP_KEYS = {"benchmark", "quick", "status", "sklearn_interp_version", "git", "started_at", "finished_at",
            "wall_time_s", "machine", "sections", "rows", "files", "threads_requested"}
MACHINE_KEYS = {"platform", "cpu_count", "torch_threads", "torch", "sklearn", "skorch", "device"}


def _finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_files(results_dir, name, sections):
    path = Path(results_dir) / f"{name}.quick.json"
    assert path.exists() and Path(results_dir, f"{name}.quick.csv").exists()
    assert not Path(results_dir, f"{name}.json").exists()  # quick never writes the full name
    assert not list(Path(results_dir).glob("*.tmp"))
    result = json.loads(path.read_text())
    assert TOP_KEYS <= set(result)
    assert MACHINE_KEYS <= set(result["machine"])
    assert result["status"] == "complete" and result["quick"] is True
    assert set(result["sections"]) == set(sections)
    for section, meta in result["sections"].items():
        assert {"params", "seeds", "columns", "wall_time_s"} <= set(meta)
        assert _finite(meta["wall_time_s"])
        assert any(row["section"] == section for row in result["rows"])
    with open(Path(results_dir, f"{name}.quick.csv"), newline="") as stream:
        assert len(list(csv.DictReader(stream))) == len(result["rows"])
    return result


@needs_data
def test_quick_benchmarks(tmp_path):
    overhead = runner.run_benchmark("overhead", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                    echo=False, threads=1)
    _check_files(tmp_path, "overhead", ["mlp"])
    assert len(overhead["rows"]) == 3
    for row in overhead["rows"]:
        for key in ("fit_s", "hand_s", "ratio", "fit_peak_rss_delta_mb", "hand_peak_rss_delta_mb"):
            assert _finite(row[key]) and row[key] >= 0, key
        assert row["max_param_diff"] < 1e-5  # the hand loop trains the same module, same batches

    result = runner.run_benchmark("prototype", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                  echo=False, threads=1)
    _check_files(tmp_path, "prototype", ["fashion_mnist", "mnist", "tabular", "overhead", "elastic"])
    rows = result["rows"]
    images = [r for r in rows if r["section"] in ("fashion_mnist", "mnist")]
    assert {r["model"] for r in images} == {"PrototypeClassifier", "CNN (ablation)"}
    for row in images:
        assert 0 <= row["test_acc"] <= 1 and _finite(row["fit_s"])
        if row["model"] == "PrototypeClassifier":
            assert _finite(row["proto_nearest_sqdist_mean"]) and _finite(row["paper_test_acc"])
    for row in (r for r in rows if r["section"] == "tabular"):
        assert 0 <= row["cv_acc_mean"] <= 1 and _finite(row["cv_acc_std"])
    assert {r["model"] for r in rows if r["section"] == "tabular"} == {
        "PrototypeClassifier", "LogisticRegression", "MLPClassifier"}
    for row in (r for r in rows if r["section"] == "overhead"):
        assert _finite(row["ratio"]) and row["max_param_diff"] < 1e-5
    assert _finite(next(r for r in rows if r["section"] == "elastic")["elastic_cost_ratio"])
    for name in result["files"]:
        assert Path(tmp_path, name).stat().st_size > 0  # the prototype PNGs


def test_cli_list():
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "benchmarks", "list"], cwd=root, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    assert "overhead" in out.stdout and "prototype" in out.stdout


def test_markdown_without_results(tmp_path):
    text = runner.markdown_report(tmp_path, names=["overhead"])
    assert "No result file yet" in text


def test_quick_small_data(tmp_path):
    result = runner.run_benchmark("small_data", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                  echo=False, threads=1)
    assert result["rows"]
    for row in result["rows"]:
        assert 0 <= row["proto_mean"] <= 1 and 0 <= row["MLP mean"] <= 1
        assert row["goal met"] in ("yes", "no")
        assert row["goal met"] == ("yes" if row["proto worst seed"] >= row["MLP mean"] - 0.03 else "no")


def test_quick_senn(tmp_path):
    result = runner.run_benchmark("senn", quick=True, data_home=DATA_HOME, results_dir=tmp_path, echo=False,
                                  threads=1)
    _check_files(tmp_path, "senn", ["compas", "overhead", "lam_sweep", "images"])
    rows = result["rows"]
    assert {row["section"] for row in rows} == {"compas", "overhead", "lam_sweep", "images"}
    for row in (r for r in rows if r["section"] in ("compas", "lam_sweep", "images")):
        assert 0 <= row["test_acc"] <= 1
    wrapper = next(r for r in rows if r["section"] == "overhead" and _finite(r.get("ratio")))
    assert wrapper["max_param_diff"] < 1e-5, "the hand loop trains the same module, same batches"
    assert all(_finite(r["lipschitz_mean"]) and r["lipschitz_mean"] >= 0 for r in rows if r["section"] == "lam_sweep")
    for name in result["files"]:
        assert Path(tmp_path, name).stat().st_size > 0


def test_quick_representer(tmp_path):
    result = runner.run_benchmark("representer", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                  echo=False, threads=1)
    _check_files(tmp_path, "representer", ["compas", "scaling", "uci", "fit_time"])
    rows = result["rows"]
    uci = [r for r in rows if r["section"] == "uci"]
    assert {r["method"] for r in uci} == {"proposed", "Joint", "RPS", "RPSR", "Pretrain", "PretrainR"}
    assert {r["dataset"] for r in uci} == {"glass", "vehicle", "segment"}
    for row in uci:
        for U in (5, 10, 20, 50):
            assert 0 <= row[f"acc_u{U}"] <= 1 and 0 <= row[f"faith_u{U}"] <= 1
        assert row["nnz_mean"] >= 0 and _finite(row["fit_s_mean"])
    for run in result["sections"]["uci"]["runs"]:  # never more epochs than the cap (per stage)
        cap = result["sections"]["uci"]["params"]["max_epochs"][run["dataset"]]
        assert run["epochs"] <= cap * (2 if run["method"].startswith("Pretrain") else 1)
    timing = [r for r in rows if r["section"] == "fit_time"]
    assert len(timing) == len(uci) and all(_finite(r["ratio_per_fit"]) and r["ratio_per_fit"] > 0 for r in timing)
    scaling = [r for r in rows if r["section"] == "scaling"]
    assert [r["n_train"] for r in scaling] == sorted(r["n_train"] for r in scaling)
    assert all(_finite(r["first_epoch_s"]) and len(r["support_after_epoch"]) == r["epochs"] for r in scaling)
    assert _finite(scaling[-1]["first_epoch_per_doubling_beyond_linear"])
    compas = [r for r in rows if r["section"] == "compas"]
    assert compas and all(_finite(r["influence"]) and _finite(r["contribution"]) for r in compas)
    for name in result["files"]:
        assert Path(tmp_path, name).stat().st_size > 0  # PNG, explanation tables


def test_quick_fit_time_defaults(tmp_path):
    result = runner.run_benchmark("fit_time_defaults", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                  echo=False, threads=1)
    _check_files(tmp_path, "fit_time_defaults", ["classification", "regression", "summary"])
    rows = result["rows"]
    assert {r["estimator"] for r in rows if r["section"] == "classification"} == {
        "PrototypeClassifier", "SENNClassifier", "SparseRepresenterClassifier", "MLPClassifier"}
    assert {r["estimator"] for r in rows if r["section"] == "regression"} == {
        "SENNRegressor", "SparseRepresenterRegressor", "MLPRegressor", "Ridge"}
    for row in (r for r in rows if r["section"] != "summary"):
        assert _finite(row["fit s/fold"]) and _finite(row["ratio"]) and row["ratio"] > 0
        assert 0 <= row["convergence warnings"] <= 1
        if row["estimator"].startswith("MLP"):
            assert row["ratio"] == 1 and row["goal met"] is None
            assert row["convergence warnings"] == 1  # max_iter=5 never converges: the count works
        if row["estimator"] != "Ridge":
            assert 1 <= row["epochs"] <= row["epoch cap"] == (5 if row["estimator"].startswith("MLP") else 2)
    summary = [r for r in rows if r["section"] == "summary"]
    assert {r["estimator"] for r in summary} == {
        "PrototypeClassifier", "SENNClassifier", "SparseRepresenterClassifier", "SENNRegressor",
        "SparseRepresenterRegressor"}
    for row in summary:
        assert _finite(row["median ratio"]) and 0 < row["median ratio"] <= row["max ratio"]
        assert row["max ratio set"] in {"iris", "wine", "diabetes", "friedman1"}
        speed_met = row["median ratio"] <= 3 and row["max ratio"] <= 5
        assert row["speed goal met"] == ("yes" if speed_met else "no")


@needs_data
def test_quick_compare(tmp_path):
    pytest.importorskip("lime")
    pytest.importorskip("shap")
    result = runner.run_benchmark("compare", quick=True, data_home=DATA_HOME, results_dir=tmp_path, echo=False,
                                  threads=1)
    _check_files(tmp_path, "compare", ["compas", "pima_diabetes", "summary"])
    rows = [r for r in result["rows"] if r["section"] != "summary"]
    for name in ("compas", "pima_diabetes"):
        explained = {(r["model"].split(" (")[0].split(" λ")[0], r["explainer"]) for r in rows if r["dataset"] == name}
        assert {("SENN", "own θ (relevances)"), ("SENN", "LIME fixed"), ("SENN", "KernelSHAP fresh"),
                ("SENN", "IntegratedGradients"), ("Prototype", "own (contributions)"),
                ("SparseRepresenter", "LIME fresh"), ("FeatureLeveling", "own (contributions)"),
                ("FeatureLeveling", "KernelSHAP fresh"), ("MLP", "KernelSHAP fresh")} <= explained
    for row in rows:
        assert 0 <= row["test_acc"] <= 1 and -1 <= row["faithfulness_median"] <= 1
        assert _finite(row["L_ball_median"]) and row["L_ball_median"] >= 0 and row["seconds_per_sample"] > 0
    summary = [r for r in result["rows"] if r["section"] == "summary"]
    assert summary and all(r["goal_L_met"] == (r["L_ratio_ball"] >= 10) for r in summary)
    for name in result["files"]:
        assert Path(tmp_path, name).stat().st_size > 0  # the PNGs


@needs_data
def test_quick_compare_leveling(tmp_path):
    pytest.importorskip("lime")
    pytest.importorskip("shap")
    result = runner.run_benchmark("compare.leveling", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                  echo=False, threads=1)
    _check_files(tmp_path, "compare.leveling", ["compas", "pima_diabetes"])
    rows = result["rows"]
    assert {r["model"] for r in rows} == {"FeatureLeveling"}  # the other models' results are left alone
    assert {r["explainer"] for r in rows} == {"own (contributions)", "LIME fresh", "KernelSHAP fresh"}
    for row in rows:
        assert 0 <= row["test_acc"] <= 1 and -1 <= row["faithfulness_median"] <= 1
        assert _finite(row["L_ball_median"]) and row["seconds_per_sample"] > 0
    own = [r for r in rows if r["explainer"].startswith("own")]
    assert all(_finite(r["L_ball_gradient_median"]) for r in own)  # _torch_explanation: differentiable
    assert sorted(result["files"]) == [f"compare_leveling_{set_name}.quick.png"
                                       for set_name in ("compas", "pima_diabetes")]


def test_fcnn_like_copies_the_training_parameters():
    from sklearn_interp import FeatureLevelingClassifier, FeatureLevelingRegressor

    from benchmarks.fcnn import TRAINING_PARAMS, FCNNClassifier, FCNNRegressor, fcnn_like

    ours = FeatureLevelingRegressor((7, 5), max_epochs=3, lr=0.01, batch_size=32, tol=None, random_state=4)
    fcnn = fcnn_like(ours, max_epochs=4)
    assert isinstance(fcnn, FCNNRegressor) and fcnn.hidden_layer_sizes == (7, 5)
    assert {k: fcnn.get_params()[k] for k in TRAINING_PARAMS} == {**{k: ours.get_params()[k] for k in
                                                                     TRAINING_PARAMS}, "max_epochs": 4}
    assert isinstance(fcnn_like(FeatureLevelingClassifier()), FCNNClassifier)


@needs_data
def test_quick_leveling(tmp_path):
    result = runner.run_benchmark("leveling", quick=True, data_home=DATA_HOME, results_dir=tmp_path,
                                  echo=False, threads=1)
    sections = ["housing", "overhead", "mnist", "binary", "fashion_mnist"]
    _check_files(tmp_path, "leveling", sections)
    rows = result["rows"]
    housing = [r for r in rows if r["section"] == "housing"]
    assert {(r["model"], r["seed"]) for r in housing} == {
        (model, seed) for model in ("FeatureLeveling", "FCNN") for seed in (0, 1, "mean")}
    for row in housing:
        assert _finite(row["test_rmse"]) and row["test_rmse"] > 0 and isinstance(row["architecture"], str)
        if row["seed"] == "mean":
            assert row["paper_test_rmse"] == (0.477 if row["model"] == "FeatureLeveling" else 0.529)
    ours = [r for r in housing if r["model"] == "FeatureLeveling" and r["seed"] != "mean"]
    for row in ours:
        assert row["architecture"].endswith("-1") and len(row["open_fraction"]) == 2 and len(row["aav"]) == 3
        assert row["n_level1_features"] == len(row["level1_features"])
        curves = result["sections"]["housing"]["curves"][f"FeatureLeveling seed {row['seed']}"]
        assert len(curves["open_gates"]) == row["epochs"] == 2 and len(curves["train_data_loss"]) == 2
    images = [r for r in rows if r["section"] in ("mnist", "fashion_mnist", "binary")]
    assert len(images) == 6 and {r["model"] for r in images} == {"FeatureLeveling", "FCNN"}
    for row in images:
        assert 0 <= row["test_acc"] <= 1 and _finite(row["fit_s"]) and _finite(row["final_data_loss"])
        if row["model"] == "FeatureLeveling":
            assert isinstance(row["layer2_pruned"], bool)
            assert row["layer2_pruned"] == (2 in row["pruned_layers"])
    assert {r["paper_test_acc"] for r in rows if r["section"] == "mnist"} == {0.985, 0.984}
    for row in (r for r in rows if r["section"] == "binary"):
        assert 0 <= row["test_auc"] <= 1 and row["paper_cifar_auc"] in (0.866, 0.855)
    for row in (r for r in rows if r["section"] == "overhead"):
        assert _finite(row["ratio"]) and row["max_param_diff"] < 1e-5  # the hand loop trains the same module
    for name in result["files"]:
        assert Path(tmp_path, name).stat().st_size > 0  # the level-1 PNGs


@needs_data
def test_quick_small_data_leveling(tmp_path):
    result = runner.run_benchmark("small_data.leveling", quick=True, data_home=DATA_HOME,
                                  results_dir=tmp_path, echo=False, threads=1)
    _check_files(tmp_path, "small_data.leveling", ["leveling"])
    for row in result["rows"]:
        assert 0 <= row["leveling_mean"] <= 1 and 0 <= row["MLP mean"] <= 1 and 0 <= row["LogReg mean"] <= 1
        met = row["leveling worst seed"] >= row["MLP mean"] - 0.03
        assert row["leveling goal met"] == ("yes" if met else "no")
        assert "proto mean ± std" not in row and len(row["leveling_fold_architectures"]) == 4
    result = runner.run_benchmark("small_data.leveling_regression", quick=True, data_home=DATA_HOME,
                                  results_dir=tmp_path, echo=False, threads=1)
    _check_files(tmp_path, "small_data.leveling_regression", ["leveling_regression"])
    for row in result["rows"]:
        assert _finite(row["leveling worst seed"]) and "senn mean ± std" not in row
        met = row["leveling worst seed"] >= row["best baseline mean"] - 0.05
        assert row["leveling goal met"] == ("yes" if met else "no")
        assert len(row["leveling_fold_architectures"]) == 4


@needs_data
def test_quick_contrastive(tmp_path):
    result = runner.run_benchmark("contrastive", quick=True, data_home=DATA_HOME, results_dir=tmp_path, echo=False,
                                  threads=1)
    _check_files(tmp_path, "contrastive", ["mnist", "fashion_mnist", "biased", "classifiers", "scale", "wgan"])
    rows = result["rows"]
    for section in ("mnist", "fashion_mnist", "wgan"):
        assert [r["method"] for r in rows if r["section"] == section] == ["CDeepEx", "xGEMs"]
    for row in rows:
        if "constraints_satisfied" in row:
            assert 0 <= row["constraints_satisfied"] <= 1
        if "s_per_explanation" in row:
            assert _finite(row["s_per_explanation"]) and row["s_per_explanation"] > 0
    for row in (r for r in rows if r["section"] == "mnist"):
        assert row["one_by_one_n"] == 2 and _finite(row["one_by_one_mean_abs_latent_distance_diff"])
        assert 0 <= row["one_by_one_share_other_end_point"] <= 1 and 0 <= row["one_by_one_constraints_satisfied"] <= 1
    biased = [r for r in rows if r["section"] == "biased"]
    assert [(r["classifier"], r["seed"]) for r in biased] == [("biased CNN", 0), ("clean CNN (control)", 0)]
    assert all(0 <= r["clean_8_recall"] <= 1 and 0 <= r["others_with_square_called_8"] <= 1 for r in biased)
    assert all(r["square_share_of_image"] == 36 / 784 for r in biased)
    assert result["sections"]["biased"]["paper"] == {"biased_clean_8_recall": 0.05,
                                                     "biased_others_with_square_called_8": 0.77}
    assert {r["classifier"] for r in rows if r["section"] == "classifiers"} == {
        "skorch CNN (paper's net)", "PrototypeClassifier", "SENNClassifier", "FeatureLevelingClassifier"}
    scale = [r for r in rows if r["section"] == "scale"]
    assert [(r["n_images"], r["batch_size"], r["progress_lines"]) for r in scale] == [(5, 5, 0), (20, 5, 4),
                                                                                        (20, 20, 0)]
    assert all(_finite(r["python_peak_mb"]) for r in scale)
    assert scale[1]["last_progress_line"].startswith("[ContrastiveExplainer] 20/20 samples explained")
    for name in result["files"]:
        assert Path(tmp_path, name).stat().st_size > 0  # the example PNGs


def test_square_shares_of_the_biased_data_experiment():
    import numpy as np

    from benchmarks.contrastive import square_shares, with_square

    images = with_square(np.zeros((2, 1, 28, 28), dtype=np.float32))
    assert images.sum() == 2 * 36 * 0.5 and np.all(images[:, 0, 2:8, 2:8] == 0.5)
    explanation = np.zeros((2, 1, 28, 28))
    explanation[0, 0, 2:8, 2:8] = -1.0  # all the change in the square, added
    explanation[1, 0, 20:26, 20:26] = 3.0  # all of it elsewhere, removed
    explanation[1, 0, 3, 3] = -1.0  # and one added pixel in the square
    shares = square_shares({"explanation": explanation})
    assert shares["square_share_of_abs_explanation"] == pytest.approx((1 + 1 / 109) / 2)
    assert shares["square_share_of_added"] == pytest.approx(1.0)
    assert shares["mean_explanation_in_square"] == pytest.approx(-37 / 72)
    assert shares["enrichment"] == pytest.approx(shares["square_share_of_abs_explanation"] / (36 / 784))


@pytest.mark.slow  # about 25 s: two worker processes start and import torch, twice
def test_quick_out_of_core(tmp_path):
    result = runner.run_benchmark("out_of_core", quick=True, data_home=DATA_HOME, results_dir=tmp_path, echo=False,
                                  threads=1)
    _check_files(tmp_path, "out_of_core", ["cluster"])
    rows = result["rows"]
    assert [r["n_rows"] for r in rows] == [4000, 8000]
    for row in rows:
        assert len(row["worker_peak_rss_mb"]) == 2 and all(_finite(v) and v > 0 for v in row["worker_peak_rss_mb"])
        assert _finite(row["rows_per_s"]) and row["parquet_mb"] > 0
