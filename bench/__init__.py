"""Benchmarks: each bench_*.py module's `main()` prints its figures beside the limit it is
compared with, measured in the same run (`make bench`, or `python -m bench`)."""
