"""Code the tests share: readers, factories and sample records (no test functions here)."""
