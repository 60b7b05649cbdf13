"""Finding a person (joins the people blueprint): by pseudonym for whoever may open person pages, by
identity (posted form) for who may see it. Rules and audit in ``search.py``."""
from flask import abort, render_template, request
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.permissions import current_membership, membership_required
from ..core.rows import or_403
from ..core.transaction import attempt
from ..extensions import db
from ..tenancy.models import Tenant
from . import search, services
from .forms import IdentitySearchForm, PseudonymSearchForm
from .models import RequestKind
from .views import bp


def _may_use_search() -> bool:
    membership = current_membership()
    return membership.role in services.ANTENNA_ROLES or (
        membership.role in services.NODE_PERSON_ROLES and membership.tenant.is_node)


def _antennas(people) -> dict[int, str]:
    ids = {p.tenant_id for p in people}
    if not ids:
        return {}
    return dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all())


@bp.route("/cerca", methods=["GET", "POST"])
@membership_required
def find():
    or_403(_may_use_search())
    may_search_identity = search.may_search_identity()
    # A name, codice fiscale or year in the request from someone who may not search by identity: refused.
    if not may_search_identity and (request.method == "POST" or any(
            request.args.get(name) for name in IdentitySearchForm.IDENTITY_PARAMS)):
        abort(403)
    pseudonym_form = PseudonymSearchForm(request.args, meta={"csrf": False})
    identity_form = IdentitySearchForm() if may_search_identity else None
    people, hits, searched, narrow = [], None, False, False
    if request.method == "POST":
        if identity_form.validate_on_submit():
            with attempt(identity_form):
                result = search.by_identity(
                    last_name=identity_form.last_name.data, first_name=identity_form.first_name.data,
                    birth_year=identity_form.birth_year.data, tax_code=identity_form.tax_code.data,
                )
                hits, narrow = result.hits, result.narrow
            searched = hits is not None
    elif pseudonym_form.codice.data and pseudonym_form.validate():
        people = search.by_pseudonym(pseudonym_form.codice.data)
        searched = True
    found = [hit.person for hit in hits or []] or people
    is_dpo = current_membership().role == Role.DATA_PROTECTION_OFFICER
    # The DPO goes on from the subject to their access log, requests and (under an access request) export.
    exportable = {p.id for p in found if services.open_request_for(
        p, kinds=[RequestKind.ACCESS], tenant_id=current_membership().tenant_id)} if is_dpo else set()
    return render_template(
        "people/search.html", pseudonym_form=pseudonym_form, identity_form=identity_form, hits=hits,
        people=people, searched=searched, antennas=_antennas(found), is_dpo=is_dpo, exportable=exportable,
        narrow=narrow,
    )
