"""Public reports: the door for victims and witnesses without an account (``/segnala``).

A report belongs to the competent node (by municipality) until the node converts it into a person and a
referral; the reporter follows it with a receipt code stored only as an argon2 hash. Modules: ``models.py``,
``receipt.py`` (the code), ``routing.py`` (which node), ``services.py`` (submission, thread, triage),
``abuse.py`` (time challenge, honeypot), ``signals.py`` (a new report: the alerts package raises the burst
alert), ``retention.py`` (erasing old reports), ``files.py`` (uploads), ``labels.py``, ``views_public.py``
and ``views_node.py``. Operations: docs/domains/public-reports.md.
"""
