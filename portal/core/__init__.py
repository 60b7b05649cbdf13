"""Cross-cutting pages: home, legal pages (accessibility, privacy), feedback, errors, locking."""
