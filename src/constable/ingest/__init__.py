"""Readers for data.police.uk files, Home Office tables and the census, with validation."""
