"""People screens: identity (need-to-know), duplicates, data-subject rights, who accessed a person."""
from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/persone")
