"""tousu_analysis."""
