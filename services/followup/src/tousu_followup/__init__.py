"""tousu_followup."""
