"""The per-member reference model: a slow, obviously-correct test oracle (never the engine)."""
