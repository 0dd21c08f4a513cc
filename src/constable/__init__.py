"""Constable: an open system for running a police force on a district model."""

__version__ = "0.1.0"
