"""Adapters of the analysis service: MongoDB repositories and the rules file."""
