"""The documentation: every public name in the API reference, a build without warnings, code that runs."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PUBLIC_MODULES = ["sklearn_interp", "sklearn_interp.baselines", "sklearn_interp.datasets", "sklearn_interp.metrics",
                  "sklearn_interp.nn", "sklearn_interp.out_of_core", "sklearn_interp.plotting"]


def api_entries():
    """(module, name) of every autosummary entry of docs/api.rst."""
    entries, module = set(), None
    for line in (DOCS / "api.rst").read_text().splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::")[1].strip()
        elif re.fullmatch(r"   [A-Za-z_]\w*", line):
            entries.add((module, line.strip()))
    return entries


def test_api_reference_lists_every_public_name():
    public = {(name, attribute) for name in PUBLIC_MODULES
              for attribute in importlib.import_module(name).__all__ if attribute != "__version__"}
    documented = api_entries()
    assert not public - documented, f"public names missing from docs/api.rst: {sorted(public - documented)}"
    assert not documented - public, f"docs/api.rst names what no __all__ exports: {sorted(documented - public)}"


def test_docs_build_without_warnings(tmp_path):
    shutil.rmtree(DOCS / "generated", ignore_errors=True)  # stubs of names no longer documented would warn
    # -D plot_gallery=0 lays the gallery out without running the examples (README: the full build runs them)
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-D", "plot_gallery=0",
               "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-5000:]
    assert result.stderr.strip() == "", result.stderr[-5000:]
    for page in ["index", "api", "user_guide/prototype", "user_guide/contrastive", "auto_examples/index",
                 "generated/sklearn_interp.SENNClassifier"]:
        assert (tmp_path / "html" / f"{page}.html").is_file(), page
    reference = (tmp_path / "html" / "generated" / "sklearn_interp.SparseRepresenterClassifier.html").read_text()
    assert "explain_global" in reference and "Parameters" in reference


def code_blocks(page):
    """The ``.. code-block:: python`` blocks of an rst page, dedented."""
    blocks = re.findall(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", page.read_text(), re.M)
    return ["\n".join(line[3:] for line in block.splitlines()) for block in blocks]


PAGES = sorted(page.relative_to(DOCS) for page in DOCS.rglob("*.rst") if code_blocks(page)
               and "generated" not in page.parts and "auto_examples" not in page.parts)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_the_code_of_a_docs_page_runs(page, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.chdir(tmp_path)  # pages write files (explanations/, explanation.json)
    if SHARED_DATA.is_dir():
        monkeypatch.setenv("SKLEARN_INTERP_DATA", str(SHARED_DATA))
    namespace = {"__name__": "__docs__"}
    for block in code_blocks(DOCS / page):
        exec(compile(block, f"{page}", "exec"), namespace)  # noqa: S102 - the docs' own code
