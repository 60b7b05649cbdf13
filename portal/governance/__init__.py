"""The network's governance bodies: the "cabina di regia" and the protocol signatories as groups of
organisations, with their meetings and minutes."""
