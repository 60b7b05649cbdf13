"""Case screens of the node: case list, case page, pathway actions, verifications, analytical record."""
from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/casi")
