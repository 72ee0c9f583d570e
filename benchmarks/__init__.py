"""Benchmarks of sklearn_interp: paper-table reproductions and speed measurements.

Run ``python -m benchmarks list`` for the names and
``python -m benchmarks run NAME [--quick]`` to run one; results are written
(JSON and CSV) to ``benchmarks/results/``. See ``benchmarks/README.md``.
"""
