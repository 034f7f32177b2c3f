"""The WebDAV benchmark: our server (on Hypercorn and on Granian) side by side
with nginx, rclone and wsgidav, each pinned to one CPU, the load generator on
the other. ``python -m bench.run --only webdav``; results in docs/benchmarks.md."""
