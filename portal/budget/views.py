"""Budget screens (/budget): overview of Azione 2, contracts and their statements, service orders,
deliveries, invoices, internal costs and the exports. More routes on the same blueprint live in
``views_orders.py`` and ``views_controls.py`` (all three loaded by ``blueprint.py``); shared pieces in ``viewkit.py``.

Thin views: rules live in services.py, contracts.py and the other service modules. Ids of rows the
tenant cannot see are 404 (``visible``); a user of the right tenant without the right role gets 403.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..cases.labels import SERVICE_TYPE_LABELS
from ..cases.models import Action, Case
from ..cases.services import node_providers
from ..core.rows import or_403, visible_or_404
from ..core.transaction import attempt
from ..core.views_helpers import acted, already_sent, asked_to_reveal, saved
from ..core.views_helpers import download as _download
from ..extensions import db
from ..tenancy.context import current
from ..tenancy.scoping import get_visible
from . import contracts as contract_services
from . import exports, figures, grants, labels, orders, services
from .forms import (
    ContractForm,
    DeliveryForm,
    InternalCostForm,
    InvoiceActionForm,
    InvoiceForm,
    OrderForm,
    OrderStatusForm,
    ReviewForm,
    SettlementForm,
)
from .models import Budget, BudgetLine, Contract, Delivery, DeliveryStatus, InternalCost, Invoice, ServiceOrder
from .viewkit import bp, money_or_provider, money_staff
from .viewkit import provider_names as _provider_names

__all__ = ["bp"]


# --- overview ----------------------------------------------------------------------------------------

def _contract_rows():
    items = contract_services.contracts()
    figs = figures.contract_figures([c.id for c in items])
    names = _provider_names(c.provider_id for c in items)
    return [(c, names.get(c.provider_id, ""), figs[c.id]) for c in items]


def _overviews(rows):
    known = {c.id: figs for c, _, figs in rows}
    return [figures.overview(b, contract_figs=known) for b in services.budgets()]


@bp.route("/")
@money_staff
def index():
    rows = _contract_rows()
    overviews = _overviews(rows)
    forms = {ov.budget.id: SettlementForm(version=ov.budget.version, note=ov.budget.settlement_note) for ov in overviews}
    return render_template("budget/index.html", overviews=overviews, forms=forms, contract_rows=rows)


@bp.route("/<int:budget_id>/riconciliazione", methods=["POST"])
@money_staff
def settle(budget_id):
    budget = visible_or_404(Budget, budget_id, own=True)
    form = SettlementForm()
    if done := saved(form, lambda: services.settle_reconciliation(budget, form.note.data, form.version.data),
                     _("Nota di riconciliazione registrata."), url_for("budget.index") + f"#budget-{budget.id}"):
        return done
    rows = _contract_rows()
    overviews = _overviews(rows)
    forms = {ov.budget.id: SettlementForm(version=ov.budget.version) for ov in overviews}
    forms[budget.id] = form
    return render_template("budget/index.html", overviews=overviews, forms=forms, contract_rows=rows)


def _every_overview(rows):
    """Every budget, as the page shows them (the contracts listed are every budget's too)."""
    overviews = _overviews(rows)
    if not overviews:
        abort(404)
    return overviews


@bp.route("/export.xlsx")
@money_staff
def export_xlsx():
    rows = _contract_rows()
    return _download(exports.overview_xlsx(_every_overview(rows), rows), exports.XLSX_MIMETYPE, "budget.xlsx")


@bp.route("/export.csv")
@money_staff
def export_csv():
    rows = _contract_rows()
    return _download(exports.overview_csv(_every_overview(rows), rows), "text/csv", "budget.csv")


# --- contracts ---------------------------------------------------------------------------------------

@bp.route("/contratti")
@money_or_provider
def contracts():
    return render_template("budget/contracts.html", rows=_contract_rows(), current_tenant_id=current().tenant_id)


def _contract_form_choices(form):
    form.budget_line.choices = [("", _("Scegli"))] + [(str(line.id), line.title) for line in contract_services.service_lines()]
    form.provider.choices = [("", _("Scegli"))] + [(str(p.id), p.name) for p in node_providers()]


@bp.route("/contratti/nuovo", methods=["GET", "POST"])
@money_staff
def new_contract():
    form = ContractForm()
    _contract_form_choices(form)

    def create():
        data = {
            "budget_line": get_visible(BudgetLine, form.budget_line.data), "provider": int(form.provider.data),
            "title": form.title.data, "procedure": form.procedure.data, "legal_basis": form.legal_basis.data,
            "cig": form.cig.data, "start_date": form.start_date.data, "end_date": form.end_date.data,
            "total_value": form.total_value.data, "vat_rate": form.vat_rate.data,
        }
        return contract_services.create_contract(data, form.line_data(), form.override_reason.data)

    return saved(form, create, _("Contratto registrato."),
                 lambda contract: url_for("budget.contract", contract_id=contract.id)) \
        or render_template("budget/contract_form.html", form=form)


def _statement(contract, *, invoice_form=None, status=200):
    contract_services.ensure_can_view(contract)
    figs = figures.contract_of(contract)
    ordered = contract_services.ordered_by_line(contract)
    deliveries = contract_services.recent_deliveries(contract)
    invoices = services.invoices_of(contract) if services.may_manage_money() else []
    orders, order_count = contract_services.orders_of(contract)
    return render_template(
        "budget/contract.html", contract=contract, figs=figs, ordered=ordered,
        orders=orders, order_count=order_count, deliveries=deliveries, invoices=invoices,
        paid=services.paid_by_invoice(contract) if invoices else {},
        beyond=services.beyond_delivered(invoices, figs.delivered),
        provider_name=_provider_names([contract.provider_id]).get(contract.provider_id, ""),
        invoice_form=invoice_form or InvoiceForm(), review_form=ReviewForm(), invoice_action_form=InvoiceActionForm(),
    ), status


@bp.route("/contratti/<int:contract_id>")
@money_or_provider
def contract(contract_id):
    return _statement(visible_or_404(Contract, contract_id))


def _statement_export(contract_id, builder, mimetype, extension):
    contract = visible_or_404(Contract, contract_id)
    contract_services.ensure_can_view(contract)
    name = _provider_names([contract.provider_id]).get(contract.provider_id, "")
    fileobj = builder(contract, name, figures.contract_of(contract))
    return _download(fileobj, mimetype, f"contratto-{contract.cig}.{extension}")


@bp.route("/contratti/<int:contract_id>/prestazioni.xlsx")
@money_or_provider
def statement_xlsx(contract_id):
    return _statement_export(contract_id, exports.statement_xlsx, exports.XLSX_MIMETYPE, "xlsx")


@bp.route("/contratti/<int:contract_id>/prestazioni.csv")
@money_or_provider
def statement_csv(contract_id):
    return _statement_export(contract_id, exports.statement_csv, "text/csv", "csv")


@bp.route("/contratti/<int:contract_id>/ordini/nuovo", methods=["GET", "POST"])
@money_staff
def new_order(contract_id):
    contract = visible_or_404(Contract, contract_id, own=True)
    form = OrderForm()
    form.action.choices = [("", _("Scegli"))] + [
        (str(a.id), f"{a.pseudonym} – {SERVICE_TYPE_LABELS[a.service_type]} ({a.planned_start:%d/%m/%Y})")
        for a in contract_services.assignable_actions(contract)
    ]
    form.line.choices = [("", _("Scegli"))] + [
        (str(line.id), f"{SERVICE_TYPE_LABELS[line.service_type]} – {labels.UNIT_LABELS[line.unit]}") for line in contract.lines
    ]
    return saved(form, lambda: contract_services.assign_order(contract, action_id=form.action.data, line_id=form.line.data,
                                                              quantity=form.quantity.data,
                                                              override_reason=form.override_reason.data),
                 _("Ordine di servizio creato: l'azione è affidata al soggetto attuatore."),
                 url_for("budget.contract", contract_id=contract.id) + "#ordini") \
        or render_template("budget/order_form.html", contract=contract, form=form)


@bp.route("/contratti/<int:contract_id>/fatture", methods=["POST"])
@money_staff
def new_invoice(contract_id):
    contract = visible_or_404(Contract, contract_id, own=True)
    form = InvoiceForm()
    return saved(form, lambda: services.add_invoice(contract, number=form.number.data, issued_on=form.issued_on.data,
                                                    amount=form.amount.data),
                 _("Fattura registrata."), url_for("budget.contract", contract_id=contract.id) + "#fatture") \
        or _statement(contract, invoice_form=form)


@bp.route("/fatture/<int:invoice_id>", methods=["POST"])
@money_staff
def invoice_step(invoice_id):
    invoice = visible_or_404(Invoice, invoice_id, own=True)
    form = InvoiceActionForm()
    verify = form.step.data == "verify"

    def step():
        if verify:
            services.verify_invoice(invoice, form.version.data, advance_up_to=form.advance.data)
        else:
            services.pay_invoice(invoice, paid_on=form.paid_on.data, amount=None, reference=form.reference.data,
                                 expected_version=form.version.data)

    return acted(form, step, _("Fattura verificata.") if verify else _("Pagamento registrato."),
                 url_for("budget.contract", contract_id=invoice.contract_id) + "#fatture")


# --- orders and deliveries ---------------------------------------------------------------------------

def order_page(order, form=None, status=200, status_form=None):
    if not (services.is_provider() and order.provider_id == current().tenant_id) and not (
        services.may_manage_money() and order.tenant_id == current().tenant_id
    ):
        abort(403)
    action = get_visible(Action, order.action_id)
    identity = None
    if asked_to_reveal():
        identity = grants.provider_identity(order)  # audited; None without an active grant
        if identity is None:
            abort(403)
    deliveries = contract_services.deliveries_of(order)
    may_log = contract_services.may_log(order)
    return render_template(
        "budget/order.html", order=order, action=action, deliveries=deliveries,
        # A refused delivery comes back with what was typed, also on an order closed meanwhile.
        form=form or DeliveryForm(), may_log=may_log or form is not None, review_form=ReviewForm(),
        # Everything ordered already logged: no form that could only be refused (a returned delivery frees its units).
        all_logged=may_log and form is None and not contract_services.units_left(order),
        may_change_status=orders.may_change_status(order), status_form=status_form or OrderStatusForm(version=order.version),
        editable={d.id for d in deliveries if orders.may_edit_delivery(d)},
        over_contract=contract_services.over_contract([d for d in deliveries if d.status == DeliveryStatus.SUBMITTED])
        if services.may_manage_money() else set(),
        grant=grants.provider_grant(order), identity=identity, grant_case_id=_grant_case_id(order, action),
    ), status


def _grant_case_id(order, action):
    """The case whose identity grants the current node user may manage (or at least revoke) from this order."""
    if action is None or order.tenant_id != current().tenant_id:
        return None
    case = db.session.get(Case, action.case_id)
    return case.id if case is not None and grants.may_revoke_grants(case) else None


@bp.route("/ordini/<int:order_id>", methods=["GET", "POST"])
@money_or_provider
def order(order_id):
    order = visible_or_404(ServiceOrder, order_id)
    if request.method == "GET":
        return order_page(order)
    # The role only: an order closed since the page was rendered is the service's refusal, shown on the form
    # with the delivery typed.
    or_403(contract_services.is_order_provider(order))
    form = DeliveryForm()
    if contract_services.delivery_by_key(order, form.submission_key.data) is not None:
        return already_sent(_("Questa prestazione era già stata registrata."), url_for("budget.order", order_id=order.id))
    return saved(form, lambda: contract_services.log_delivery(order, delivered_on=form.delivered_on.data, units=form.units.data,
                                                              attended=form.attended.data, note=form.note.data,
                                                              submission_key=form.submission_key.data),
                 _("Prestazione registrata: il nodo la esaminerà."), url_for("budget.order", order_id=order.id)) \
        or order_page(order, form=form)


@bp.route("/prestazioni/<int:delivery_id>/esame", methods=["POST"])
@money_staff
def review(delivery_id):
    delivery = visible_or_404(Delivery, delivery_id, own=True)
    form = ReviewForm()
    approve = form.decision.data == "approve"
    target = (url_for("budget.order", order_id=delivery.order_id) if request.form.get("next") == "order"
              else url_for("budget.contract", contract_id=delivery.contract_id) + "#prestazioni")
    return acted(form, lambda: contract_services.review_delivery(
        delivery, approve=approve, note=form.note.data, expected_version=form.version.data,
        override_reason=form.override_reason.data,
    ), _("Prestazione approvata.") if approve else _("Prestazione restituita al soggetto attuatore."), target)


# --- internal costs ----------------------------------------------------------------------------------

@bp.route("/costi-interni", methods=["GET", "POST"])
@money_staff
def internal_costs():
    form = InternalCostForm()
    lines = services.direct_lines()
    form.line.choices = [(str(line.id), line.title) for line in lines]
    if request.method == "POST" and services.internal_cost_by_key(form.submission_key.data) is not None:
        return already_sent(_("Questo costo interno era già stato registrato."), url_for("budget.internal_costs"))
    if form.validate_on_submit():
        line = visible_or_404(BudgetLine, form.line.data, own=True)
        with attempt(form) as done:
            services.add_internal_cost(line, spent_on=form.spent_on.data, description=form.description.data,
                                       amount=form.amount.data, override_reason=form.override_reason.data,
                                       submission_key=form.submission_key.data)
        if done:
            flash(_("Costo interno registrato."), "success")
            return redirect(url_for("budget.internal_costs"))
    costs = list(db.session.scalars(select(InternalCost).order_by(InternalCost.spent_on.desc(), InternalCost.id.desc())))
    line_figs = {line.id: figures.line_of(line) for line in lines}
    return render_template("budget/costs.html", form=form, costs=costs, lines=lines, line_figs=line_figs)
