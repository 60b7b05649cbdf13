"""People screens: identity (need-to-know), duplicates, data-subject rights, who accessed a person.

Every route looks the person up with ``get_visible`` (404 when another tenant's), then asks the
services who may do what (403). Identity is read only through ``services.reveal_identity`` (audited).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import current_membership, membership_required
from ..audit.services import record
from ..core.rows import or_403, visible_or_404
from ..core.transaction import attempt
from ..core.views_helpers import asked_from_this_site, asked_to_reveal, expose_labels
from ..tenancy.scoping import get_visible
from . import duplicates as dups
from . import labels, services
from .forms import ActionForm, RectifyForm, VersionedActionForm
from .models import Person

bp = Blueprint("people", __name__, url_prefix="/persone")
PAGE_SIZE = 100


expose_labels(bp, labels, "GENDER_LABELS", "AGE_BAND_LABELS", "CITIZENSHIP_LABELS", "LABOUR_LABELS", "EDUCATION_LABELS",
              "IDENTITY_LABELS", "REQUEST_KIND_LABELS", "REQUEST_STATUS_LABELS", "OUTCOME_LABELS", "YES_NO")
# The duplicate warning is also shown on the referral page (another blueprint).
expose_labels(bp, labels, "MATCH_LABELS", everywhere=True)


def _person(person_id: int, check=services.can_view_person) -> Person:
    """The person if visible (else 404) and the user may use this page (else 403)."""
    person = visible_or_404(Person, person_id, may=check)  # includes another antenna's person and, for the node, one met only in drafts
    return person


def _render_person(person: Person, identity: dict | None):
    linked = get_visible(Person, person.linked_person_id) if person.linked_person_id else None
    return render_template(
        "people/detail.html", person=person, identity=identity, linked=linked,
        may_see_identity=services.can_see_identity(person), may_rectify=services.can_rectify(person),
        is_dpo=services.is_node_dpo(person),
    )


@bp.route("/<int:person_id>")
@membership_required
def detail(person_id):
    person = _person(person_id)
    record("person.viewed", "person", person.id, ["pseudonym"] + services.MONITORING_FIELDS)
    return _render_person(person, None)


@bp.route("/<int:person_id>/identita")
@membership_required
def identity(person_id):
    person = _person(person_id)
    if not asked_from_this_site():  # a link on another site: the record, and its button, not the identity
        return redirect(url_for("people.detail", person_id=person.id))
    identity = services.reveal_identity(person)  # audited; None when the need-to-know rule says no
    if identity is None:
        abort(403)
    return _render_person(person, identity)


@bp.route("/<int:person_id>/rettifica", methods=["GET", "POST"])
@membership_required
def rectify(person_id):
    person = _person(person_id)
    or_403(services.can_rectify(person))
    if request.method == "POST":
        form = RectifyForm()
        if form.validate_on_submit():
            with attempt(form) as done:
                changed = services.rectify(
                    person, expected_version=form.version.data, identity=form.identity(), monitoring=form.monitoring()
                )
            if done:
                if changed:
                    flash(_("Dati rettificati."), "success")
                else:
                    flash(_("Nessuna modifica da salvare."), "info")
                return redirect(url_for("people.detail", person_id=person.id))
    elif not asked_from_this_site():  # a link on another site: the record, not an audited read of the identity
        return redirect(url_for("people.detail", person_id=person.id))
    else:
        current_identity = services.reveal_identity(person)  # the form shows the identity: an audited read
        form = RectifyForm(data={**current_identity, **services.monitoring_of(person), "version": person.version})
    return render_template("people/rectify.html", person=person, form=form)


# --- duplicates (the node's coordinator) ---

@bp.route("/duplicati")
@membership_required
def duplicates():
    membership = current_membership()
    or_403(services.is_node_coordinator(membership))
    pairs = dups.duplicate_pairs(membership.tenant_id, limit=dups.PAIRS_LIMIT + 1)
    return render_template("people/duplicates.html", pairs=pairs[:dups.PAIRS_LIMIT],
                           more=len(pairs) > dups.PAIRS_LIMIT, form=ActionForm())


def _pair(person_id: int, other_id: int) -> tuple[Person, Person]:
    person, other = get_visible(Person, person_id), get_visible(Person, other_id)
    if person is None or other is None or person.id == other.id \
            or not (services.sent_to_node(person) and services.sent_to_node(other)):
        abort(404)
    if not services.is_node_coordinator() or person.node_id != current_membership().tenant_id \
            or other.node_id != person.node_id:
        abort(403)
    return person, other


@bp.route("/<int:person_id>/collega/<int:other_id>", methods=["POST"])
@membership_required
def link(person_id, other_id):
    person, other = _pair(person_id, other_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    dups.link_duplicate(person, other, form.version.data)
    flash(_("%(a)s è stata collegata a %(b)s: sono la stessa persona.", a=person.pseudonym, b=other.pseudonym), "success")
    return _back_from_pair()


@bp.route("/<int:person_id>/scarta/<int:other_id>", methods=["POST"])
@membership_required
def dismiss(person_id, other_id):
    person, other = _pair(person_id, other_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    dups.dismiss_duplicate(person, other)
    flash(_("%(a)s e %(b)s sono persone diverse: la coppia non verrà più proposta.", a=person.pseudonym, b=other.pseudonym), "success")
    return _back_from_pair()


def _back_from_pair():
    """Back to the referral being decided when the decision was taken there, else to the list."""
    referral_id = request.form.get("segnalazione", type=int)
    if referral_id:
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    return redirect(url_for("people.duplicates"))


@bp.route("/<int:person_id>/confronta/<int:other_id>")
@membership_required
def compare(person_id, other_id):
    """The two people side by side: referrals and monitoring attributes; identity only on request (audited)."""
    person, other = _pair(person_id, other_id)
    identities = None
    if asked_to_reveal():
        identities = {p.id: services.reveal_identity(p) for p in (person, other)}
    return render_template(
        "people/compare.html", person=person, other=other, reason=dups.match_reason(person, other),
        sides=[dups.pair_summary(p) for p in (person, other)], identities=identities, form=ActionForm(),
        referral_id=request.args.get("segnalazione", type=int),
    )
