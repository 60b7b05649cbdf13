"""The public office's screens: the pathway actions a node referred to it ("Persone inviate dal nodo") and
one referral, where the office records that it took the person in charge. Routes on the cases blueprint
(imported at the end of views.py); rules in offices.py. Only the office's users (antenna roles of a public
office) reach them; another office's referral is 404 (the scoping hides it, and ``offices.get`` checks the
peer)."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import membership_required
from ..core.transaction import attempt
from . import offices
from .forms import OfficeTakeForm
from .labels import OFFICE_REFERRAL_STATE_LABELS
from .views import bp


def office_staff(view):
    @wraps(view)
    @membership_required
    def wrapped(*args, **kwargs):
        if not offices.is_office_member():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/ufficio")
@office_staff
def office_referrals():
    rows = offices.listing()
    return render_template("cases/office_list.html", rows=rows, names=offices.node_names(rows),
                           OFFICE_REFERRAL_STATE_LABELS=OFFICE_REFERRAL_STATE_LABELS)


@bp.route("/ufficio/<int:referral_id>", methods=["GET", "POST"])
@office_staff
def office_referral(referral_id):
    row = offices.get(referral_id)
    if row is None:
        abort(404)
    form = OfficeTakeForm() if request.method == "POST" else OfficeTakeForm(version=row.version, note=row.outcome_note)
    if request.method == "POST" and form.validate_on_submit():
        with attempt(form) as done:
            offices.take_in_charge(row, form.note.data, form.version.data)
        if done:
            flash(_("Presa in carico registrata."), "success")
            return redirect(url_for("cases.office_referral", referral_id=row.id))
    return render_template("cases/office_detail.html", row=row, form=form, names=offices.node_names([row]),
                           OFFICE_REFERRAL_STATE_LABELS=OFFICE_REFERRAL_STATE_LABELS)
