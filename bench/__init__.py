"""Benchmarks of the storage driver against the physical floor (issue #2).

``python -m bench.run`` (``make bench``) measures, side by side with plain-Python
floors on the same files: listing a 10,000-entry folder, syscalls per listed entry,
and the commit rate of 1,000 small uploads. It writes ``docs/benchmarks.md`` and
raw JSON under ``bench/results/``. Not run by the tests.
"""
