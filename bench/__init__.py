"""Benchmarks. Each ``bench_*.py`` module prints a markdown table and writes JSON to
``bench/results/``; ``python -m bench.run`` (``make bench``) runs them all. Never part of
``make test``."""
