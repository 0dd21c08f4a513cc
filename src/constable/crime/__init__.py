"""Crimes, their outcomes, stop and search, and Home Office recorded crime."""
