"""MongoDB adapters of the follow-up service."""
