"""Monitoring (issue 7): dashboards, ESF-shaped indicators, the periodic report and the open-data export."""
