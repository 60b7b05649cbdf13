"""Load scenario (locust): ``make bench-load``."""
