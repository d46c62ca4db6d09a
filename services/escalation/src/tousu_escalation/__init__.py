"""tousu_escalation."""
