"""Multi-tenancy: tenants, the current-tenant context and the one place where queries are scoped."""
