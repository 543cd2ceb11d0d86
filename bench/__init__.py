"""Benchmarks: figures to read, run one by one (`.venv/bin/python bench/<name>.py`)."""
