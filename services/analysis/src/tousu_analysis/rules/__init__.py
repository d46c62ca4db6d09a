"""The default, versioned rules file of the analysis service (data, not code)."""
