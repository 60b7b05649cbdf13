"""The feedback form (the home page's sections and queues: navigation.py, queue.py)."""
from ..extensions import db
from .models import Feedback


def save_feedback(form) -> Feedback:
    item = Feedback(
        page=(form.page.data or "")[:300],
        rating=int(form.rating.data) if (form.rating.data or "").strip() else None,  # Optional() lets "  " by
        message=form.message.data,
        contact_email=form.contact_email.data or None,
    )
    db.session.add(item)
    db.session.flush()
    return item
