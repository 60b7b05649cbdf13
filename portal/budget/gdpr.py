"""The budget's part of anonymisation (people sends ``person_anonymising``; people never imports budget):
the free texts of the budget rows about the person's cases (grants.clear_texts)."""
from ..people.signals import person_anonymising


@person_anonymising.connect
def clear_texts(person) -> list[str]:
    from sqlalchemy import select

    from ..cases.models import Case
    from ..extensions import db
    from .grants import clear_texts as clear_grant_texts

    return clear_grant_texts(list(db.session.scalars(select(Case.id).where(Case.person_id == person.id))))
