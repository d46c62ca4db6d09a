"""MongoDB adapters of the escalation service: cases (routing + clocks) and incidents."""
