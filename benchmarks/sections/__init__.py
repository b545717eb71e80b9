"""One module per section of BENCHMARKS.md; benchmarks.run lists them in report order."""
