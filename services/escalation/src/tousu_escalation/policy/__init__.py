"""The default, versioned routing policy of the escalation service (data, not code)."""
