"""The feedback form (the home page's sections and queues: navigation.py, queue.py)."""
from ..extensions import db
from .links import route_of
from .models import Feedback


def save_feedback(form) -> Feedback:
    item = Feedback(
        page=route_of(form.page.data)[:300],  # as the form was posted: only ever a route, never an address
        rating=int(form.rating.data) if (form.rating.data or "").strip() else None,  # Optional() lets "  " by
        message=form.message.data,
        contact_email=form.contact_email.data or None,
    )
    db.session.add(item)
    db.session.flush()
    return item
