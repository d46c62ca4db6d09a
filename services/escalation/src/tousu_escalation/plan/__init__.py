"""The default, versioned handling-plan rules of the escalation service (data, not code; domain §9)."""
