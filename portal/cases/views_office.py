"""The public office's screens: the pathway actions a node referred to it ("Persone inviate dal nodo") and
one referral, where the office records that it took the person in charge. Routes on the cases blueprint
(loaded by blueprint.py); rules in offices.py. Only the office's users (antenna roles of a public
office) reach them; another office's referral is 404 (the scoping hides it, and ``offices.get`` checks the
peer)."""
from flask import render_template, request, url_for
from flask_babel import gettext as _

from ..core.rows import or_404
from ..core.views_helpers import guarded, saved
from . import offices
from .forms import OfficeTakeForm
from .labels import OFFICE_REFERRAL_STATE_LABELS
from .views import bp

office_staff = guarded(offices.is_office_member)


@bp.route("/ufficio")
@office_staff
def office_referrals():
    rows = offices.listing()
    return render_template("cases/office_list.html", rows=rows, names=offices.node_names(rows),
                           OFFICE_REFERRAL_STATE_LABELS=OFFICE_REFERRAL_STATE_LABELS)


@bp.route("/ufficio/<int:referral_id>", methods=["GET", "POST"])
@office_staff
def office_referral(referral_id):
    row = or_404(offices.get(referral_id))
    form = OfficeTakeForm() if request.method == "POST" else OfficeTakeForm(version=row.version, note=row.outcome_note)
    return saved(form, lambda: offices.take_in_charge(row, form.note.data, form.version.data),
                 _("Presa in carico registrata."), url_for("cases.office_referral", referral_id=row.id)) \
        or render_template("cases/office_detail.html", row=row, form=form, names=offices.node_names([row]),
                           OFFICE_REFERRAL_STATE_LABELS=OFFICE_REFERRAL_STATE_LABELS)
