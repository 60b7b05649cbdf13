"""The good-practice forum: the one space where the network's tenants meet (shared, never case data)."""
