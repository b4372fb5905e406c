"""Benchmarks of Outcome Coach, kept out of the installed package: `make bench` runs them all.

Run one from the repository root: `python -m benchmarks.bench_retrieval`, `python -m benchmarks.bench_llm`,
`python -m benchmarks.bench_app`; `benchmarks.loadtest` drives concurrent sessions. Each prints its numbers.
"""
