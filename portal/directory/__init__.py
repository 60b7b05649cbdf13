"""The network directory: the node and its antennas, their contacts and information points (shared)."""
