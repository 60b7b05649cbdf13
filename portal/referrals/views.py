"""Referral screens (antenna: create, edit, submit, answer, withdraw; node: inbox and decisions)."""
from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/segnalazioni")


@bp.route("/<int:referral_id>")
def detail(referral_id):  # placeholder until the referral screens land
    from flask import abort

    abort(404)
