"""Cases (presa in carico), the personalised pathway of actions and the two verification phases."""
