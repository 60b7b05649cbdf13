"""Referrals: an antenna asks the node to take a person in charge."""
