"""The live-updates benchmark (issue 5): many open SSE streams against a real
server while changes are made, ``python -m bench.run --only sse``."""
