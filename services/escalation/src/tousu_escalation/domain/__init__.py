"""The pure escalation domain: routing policy, clocks and incidents (no I/O)."""
