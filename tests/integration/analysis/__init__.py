"""Integration tests of the analysis service."""
