"""Benchmarks that print tables (run as scripts: ``python benchmarks/speed.py``)."""
