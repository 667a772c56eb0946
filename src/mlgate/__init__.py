"""mlgate: CI/CD/CT gates for machine-learning repositories."""

__version__ = "1.0.0"
