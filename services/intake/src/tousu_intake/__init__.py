"""tousu_intake."""
