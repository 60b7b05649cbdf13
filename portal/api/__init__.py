"""The REST API for the public administration's systems (``/api/v1``) and its webhooks.

Another door into the same services as the pages: an API client acts through a technical user with one
membership in its tenant, so permissions, audit and need-to-know are decided where they are for people.
"""
