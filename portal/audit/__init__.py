"""Append-only, hash-chained audit log of who read or changed what."""
