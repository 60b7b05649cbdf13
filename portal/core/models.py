"""Feedback sent through the footer form (AgID guidelines ask every PA site for one)."""
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import Timestamped
from ..tenancy.mixins import Shared


class Feedback(Shared, Timestamped, db.Model):
    __tablename__ = "feedback"
    __shared_reason__ = "public site feedback, may come from anonymous visitors; read by system admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page: Mapped[str | None] = mapped_column(String(300))
    rating: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254))
