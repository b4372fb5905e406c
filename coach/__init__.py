"""Outcome Coach: turns proposed features (outputs) into customer outcomes."""

__version__ = "0.1.0"
