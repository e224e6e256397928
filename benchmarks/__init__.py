"""Side-by-side benchmarks of logitron against scikit-learn (see docs/benchmarks.md)."""
