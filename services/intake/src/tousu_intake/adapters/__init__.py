"""MongoDB adapters: repositories that hide PyMongo behind intake's own ports."""
