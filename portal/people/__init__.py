"""People referred to the node: pseudonymised, identity encrypted at rest, shown only to those who need it."""
