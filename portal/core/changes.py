"""Applying form data to a row: the one way a service copies checked values onto a model."""


def apply_changes(obj, values: dict, names=None) -> list[str]:
    """Set on ``obj`` each of ``values`` that differs from what it holds (of ``names`` only, when given, and
    those of them present in ``values``); return the names set, in order: what the audit records as changed."""
    changed = [name for name in (values if names is None else names)
               if name in values and getattr(obj, name) != values[name]]
    for name in changed:
        setattr(obj, name, values[name])
    return changed
