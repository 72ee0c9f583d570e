"""Sphinx configuration of the sklearn-interp documentation.

Build (warnings are errors):  python -m sphinx -W -b html docs docs/_build/html
Add ``-D plot_gallery=0`` to lay out the gallery without running the examples.
"""

import os
import re
import sys
from pathlib import Path

import sklearn_interp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for benchmarks.runner
from benchmarks.runner import default_data_home  # noqa: E402

project = "sklearn-interp"
author = "the sklearn-interp developers"
copyright = "2026, " + author
release = version = sklearn_interp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
templates_path = ["_templates"]
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"__init__\.py|/_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "show_memory": False,
}
# the examples read their data from SKLEARN_INTERP_DATA; else, as the benchmarks do, the project's shared data
# folder when it sits beside the checkout
if "SKLEARN_INTERP_DATA" not in os.environ and default_data_home():
    os.environ["SKLEARN_INTERP_DATA"] = default_data_home()

# "ndarray of shape (n_features_in_,)": in a numpydoc type, a name ending in "_" would be read as an
# rst reference; escape it before numpydoc renders the docstring (as its xref_param_type would).
_TYPE_LINE = re.compile(r"^(\s*\*{0,2}\w+(?:, \w+)* : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s,)\]]|$)")


def escape_trailing_underscores(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match:
            lines[i] = match.group(1) + _TRAILING_UNDERSCORE.sub(r"\\_", match.group(2))


def setup(app):
    app.connect("autodoc-process-docstring", escape_trailing_underscores, priority=100)
