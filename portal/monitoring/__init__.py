"""Monitoring: dashboards, ESF-shaped indicators, the periodic report and the open-data export."""
