"""The default, versioned clock policy of the escalation service (data, not code)."""
