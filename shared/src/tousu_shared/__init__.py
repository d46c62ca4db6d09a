"""tousu_shared."""
