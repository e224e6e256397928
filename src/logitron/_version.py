"""The package version, one home for the package root and the model files."""

__version__ = "0.1.0"
