"""Budget screens, continued: a delivery's documents, the order list and an order's closure, the provider's
correction of a delivery, editing a contract and a budget line, and the identity grants of a case. Thin views."""
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import Capability, can, membership_required
from ..cases import documents
from ..cases.forms import DeliveryDocumentForm
from ..cases.models import Case, CaseState
from ..cases.services import provider_choices
from ..core.rows import or_403, visible_or_404
from ..core.views_helpers import acted, edit_form, guarded, saved
from ..tenancy.context import current
from . import contracts as contract_services
from . import editing, grants, orders, services
from .forms import (
    BudgetLineForm,
    ContractEditForm,
    DeliveryEditForm,
    GrantForm,
    OrderFilterForm,
    OrderStatusForm,
    RevokeForm,
)
from .labels import ORDER_STATUS_LABELS
from .models import BudgetLine, Contract, Delivery, IdentityGrant, ServiceOrder
from .viewkit import bp, int_or_none, money_or_provider, money_staff, provider_names, provider_only
from .views import order_page

case_staff = guarded(lambda: can(Capability.DECIDE_REFERRALS))


# --- a delivery's documents ---------------------------------------------------------------------------

@bp.route("/prestazioni/<int:delivery_id>/documenti", methods=["GET", "POST"])
@membership_required
def delivery_documents(delivery_id):
    """The documents of one delivery (attendance sheet, timesheet): its provider and the case's node staff.
    Stored and checked as the case's documents (cases/documents.py)."""
    delivery = visible_or_404(Delivery, delivery_id, may=documents.may_read_delivery_documents)
    form = DeliveryDocumentForm() if documents.may_upload_delivery_documents(delivery) else None
    return form is not None and saved(form, lambda: documents.add_delivery_document(delivery, form.file.data),
                                      lambda document: _("Documento «%(name)s» aggiunto.", name=document.filename),
                                      url_for("budget.delivery_documents", delivery_id=delivery.id)) \
        or render_template("budget/delivery_documents.html", delivery=delivery, form=form,
                           documents=documents.delivery_documents(delivery))


# --- the order list ----------------------------------------------------------------------------------

@bp.route("/ordini", endpoint="orders")
@money_or_provider
def orders_list():
    form = OrderFilterForm(request.args)
    form.contratto.choices = [("", _("Tutti"))] + [(str(i), cig) for i, cig in orders.contract_choices()]
    node = not services.is_provider()
    form.fornitore.choices = [("", _("Tutti"))] + ([(str(i), name) for i, name in provider_choices()] if node else [])
    form.stato.choices = [("", _("Tutti"))] + [(status.value, label) for status, label in ORDER_STATUS_LABELS.items()]
    form.validate()

    def value(field):
        return field.data if field.data and not field.errors else ""

    filters = orders.OrderFilters(
        contract_id=int_or_none(value(form.contratto)), provider_id=int_or_none(value(form.fornitore)) if node else None,
        status=value(form.stato), page=request.args.get("pagina", 1, type=int) or 1,
    )
    rows, has_next = orders.order_list(filters)
    return render_template("budget/orders.html", form=form, rows=rows, has_next=has_next, page=max(1, filters.page),
                           show_provider=node)


@bp.route("/ordini/<int:order_id>/stato", methods=["POST"])
@money_staff
def order_status(order_id):
    order = visible_or_404(ServiceOrder, order_id, own=True)
    form = OrderStatusForm()
    if done := saved(form, lambda: orders.change_status(order, step=form.step.data, reason=form.reason.data,
                                                        expected_version=form.version.data),
                     lambda _result: _("Ordine chiuso.") if form.step.data == "close" else _("Ordine annullato."),
                     url_for("budget.order", order_id=order.id)):
        return done
    return order_page(order, status_form=form)


# --- the provider corrects a delivery ----------------------------------------------------------------

@bp.route("/prestazioni/<int:delivery_id>/modifica", methods=["GET", "POST"])
@provider_only
def edit_delivery(delivery_id):
    delivery = visible_or_404(Delivery, delivery_id)
    if delivery.provider_id != current().tenant_id:
        abort(404)
    if request.method == "GET":
        or_403(orders.may_edit_delivery(delivery))
    # A POST is the provider's own delivery: one reviewed since is a conflict (409) and an order closed since a
    # refusal on the form, the correction typed kept either way (the service checks both).
    form = edit_form(DeliveryEditForm, delivery)
    return saved(form, lambda: orders.edit_delivery(delivery, delivered_on=form.delivered_on.data, units=form.units.data,
                                                    attended=form.attended.data, note=form.note.data,
                                                    expected_version=form.version.data),
                 lambda again: _("Prestazione corretta e inviata di nuovo al nodo.") if again else _("Prestazione corretta."),
                 url_for("budget.order", order_id=delivery.order_id)) \
        or render_template("budget/delivery_form.html", delivery=delivery, form=form)


# --- editing a contract and a budget line ------------------------------------------------------------

def _contract_edit_form(contract: Contract) -> ContractEditForm:
    if request.method == "POST":
        return ContractEditForm()
    form = ContractEditForm(formdata=None)
    for name in editing.CONTRACT_FIELDS:
        getattr(form, name).data = getattr(contract, name)
    form.version.data = contract.version
    while len(form.lines):
        form.lines.pop_entry()  # the blank minimum entry: the contract's lines come first
    for line in contract.lines:
        form.lines.append_entry({"line_id": str(line.id), "service_type": line.service_type.value, "unit": line.unit.value,
                                 "unit_price": line.unit_price, "quantity": line.quantity})
    for _blank in range(2):
        form.lines.append_entry({})
    form.procedure.data = contract.procedure.value
    return form


@bp.route("/contratti/<int:contract_id>/modifica", methods=["GET", "POST"])
@money_staff
def edit_contract(contract_id):
    contract = visible_or_404(Contract, contract_id, own=True)
    form = _contract_edit_form(contract)

    def update():
        data = {name: getattr(form, name).data for name in editing.CONTRACT_FIELDS}
        editing.update_contract(contract, data, form.line_data(), expected_version=form.version.data,
                                override_reason=form.override_reason.data)

    return saved(form, update, _("Contratto aggiornato."), url_for("budget.contract", contract_id=contract.id)) \
        or render_template("budget/contract_edit.html", contract=contract, form=form, used=editing.used_lines(contract),
                           ordered=contract_services.ordered_by_line(contract),
                           provider_name=provider_names([contract.provider_id]).get(contract.provider_id, ""))


@bp.route("/linee/<int:line_id>/modifica", methods=["GET", "POST"])
@money_staff
def edit_line(line_id):
    line = visible_or_404(BudgetLine, line_id, own=True)
    form = edit_form(BudgetLineForm, line)
    if done := saved(form, lambda: editing.update_budget_line(line, title=form.title.data, allocated=form.allocated.data,
                                                              expected_version=form.version.data),
                     _("Linea di budget aggiornata."), url_for("budget.index") + f"#budget-{line.budget_id}"):
        return done
    from . import figures

    return render_template("budget/line_form.html", line=line, form=form, figs=figures.line_of(line))


# --- identity grants of a case -----------------------------------------------------------------------

def _grant_page(case: Case, form=None, status=200):
    or_403(grants.may_revoke_grants(case))  # a read-only case: the grants to revoke, no new one
    form = form or GrantForm()
    providers = grants.case_providers(case)
    form.provider.choices = [("", _("Scegli"))] + [(str(p.id), p.name) for p in providers]
    rows = grants.grants_of(case)
    return render_template(
        "budget/grants.html", case=case, form=form, rows=rows, revoke_form=RevokeForm(),
        names=provider_names([g.provider_id for g in rows] + [p.id for p in providers]), has_providers=bool(providers),
        case_open=case.state != CaseState.CLOSED, may_grant=grants.may_manage_grants(case),
        counting=grants.counting_ids(case),
    ), status


@bp.route("/casi/<int:case_id>/accesso-identita", methods=["GET", "POST"])
@case_staff
def identity_grants(case_id):
    case = visible_or_404(Case, case_id, own=True)
    if request.method == "GET":
        return _grant_page(case)
    or_403(grants.may_manage_grants(case))
    form = GrantForm()
    form.provider.choices = [("", _("Scegli"))] + [(str(p.id), p.name) for p in grants.case_providers(case)]
    return saved(form, lambda: grants.grant(case, form.provider.data, form.reason.data),
                 _("Accesso all'identità concesso al soggetto attuatore per questo percorso."),
                 url_for("budget.identity_grants", case_id=case.id)) or _grant_page(case, form=form)


@bp.route("/accesso-identita/<int:grant_id>/revoca", methods=["POST"])
@case_staff
def revoke_grant(grant_id):
    row = visible_or_404(IdentityGrant, grant_id, own=True)
    form = RevokeForm()
    return acted(form, lambda: grants.revoke(row, form.reason.data, form.version.data),
                 _("Accesso all'identità revocato."), url_for("budget.identity_grants", case_id=row.case_id))

