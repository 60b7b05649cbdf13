"""The help pages (/guida): one short page per role and per workflow, with the state diagrams."""
