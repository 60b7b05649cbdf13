"""Select choices from the domains' enum label tables, shared by every form."""


def enum_choices(codes, blank=None) -> list:
    """``[(value, label), ...]`` of a ``LabelledEnum`` (or a label table) in its order; ``blank`` adds a leading
    empty choice with that label."""
    labels = codes if isinstance(codes, dict) else codes.labels()
    items = [(member.value, label) for member, label in labels.items()]
    return ([("", blank)] if blank is not None else []) + items


def enum_or_none(enum_cls):
    """A ``coerce`` for optional enum selects: the empty choice becomes None."""
    return lambda value: enum_cls(value) if value else None
