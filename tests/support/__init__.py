"""Code the tests share: doubles, readers, factories and sample records (no test functions
here, and never a test module imported by another)."""
