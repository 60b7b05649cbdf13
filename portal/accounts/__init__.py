"""Users, memberships, roles, login and the permission table."""
