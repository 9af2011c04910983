"""Benchmarks of the hot paths (``make bench``); not part of ``make test``. See bench/README.md."""
