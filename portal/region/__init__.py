"""The regional centre: suppressed aggregates of its nodes, read from per-node summaries only."""
