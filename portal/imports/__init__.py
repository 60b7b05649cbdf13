"""Bulk import of an antenna's existing people and referrals from CSV/XLSX (docs/bulk-import.md)."""
