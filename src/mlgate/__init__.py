"""mlgate: CI/CD/CT gates for machine-learning repositories."""

__version__ = "0.1.0"
