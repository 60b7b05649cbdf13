"""Alert screens (thin): the list with filters, one alert with its handling, rule settings, and the
DPO's security alerts. Node roles only: antennas and providers get 403 on every route; another node's
alert is 404; a case worker opening an alert they do not own gets 403.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.permissions import current_membership
from ..core.rows import one_page, or_403, visible_or_404
from ..core.transaction import attempt
from ..core.views_helpers import expose_labels, guarded
from ..extensions import db
from . import labels, security, services
from .forms import AcknowledgeForm, AlertFilterForm, ResolveForm, RuleSettingForm
from .labels import RULE_LABELS
from .models import Alert, AlertState, Rule, SecurityAlert

bp = Blueprint("alerts", __name__, url_prefix="/allerte")
PAGE_SIZE = 25


expose_labels(bp, labels, "RULE_LABELS", "RULE_HELP", "OBJECT_LABELS", ALERT_STATE_LABELS="STATE_LABELS")


staff = guarded(services.is_node_staff)
dpo = guarded(security.may_see)
rule_editors = guarded(lambda: any(services.may_edit_setting(rule) for rule in Rule))


def _unique_scalars(statement):
    return db.session.scalars(statement).unique()  # joined rows: one alert once


def _page() -> int:
    return max(request.args.get("pagina", 1, type=int) or 1, 1)


@bp.route("/")
@staff
def index():
    membership = current_membership()
    form = AlertFilterForm(request.args)
    coordinator = services.sees_all()
    if coordinator:
        form.responsabile.choices = [("", _("Tutti")), ("0", _("Coordinamento (nessun case manager)"))] + [
            (str(u.id), u.full_name) for u in services.case_workers_of(membership.tenant_id)
        ]
    form.validate()
    query = services.visible_alerts().options(joinedload(Alert.owner))
    if form.regola.data and not form.regola.errors:
        query = query.where(Alert.rule == Rule(form.regola.data))
    state = form.stato.data if not form.stato.errors else ""
    if state in {s.value for s in AlertState}:
        query = query.where(Alert.state == AlertState(state))
    elif state != "tutte":
        query = query.where(Alert.state != AlertState.RESOLVED)
    owner = form.responsabile.data if coordinator and not form.responsabile.errors else ""
    if owner == "0":
        query = query.where(Alert.owner_id.is_(None))
    elif owner:
        query = query.where(Alert.owner_id == int(owner))
    total = db.session.scalar(query.with_only_columns(func.count()).select_from(Alert).order_by(None))
    page = _page()
    rows, has_next = one_page(_unique_scalars, query.order_by(Alert.opened_at.desc(), Alert.id.desc()), page, PAGE_SIZE)
    return render_template("alerts/index.html", form=form, alerts=rows, has_next=has_next,
                           page=page, total=total, coordinator=coordinator)


def _alert(alert_id) -> Alert:
    alert = visible_or_404(Alert, alert_id, may=services.can_handle)
    return alert


def _handling_forms(alert, ack_form=None, resolve_form=None) -> dict:
    """The two forms an alert's page shows (acknowledge; resolve with a note): the one posted back keeps its input."""
    return {"ack_form": ack_form or AcknowledgeForm(prefix="ack", version=alert.version),
            "resolve_form": resolve_form or ResolveForm(prefix="res", version=alert.version)}


def _detail(alert, *, ack_form=None, resolve_form=None, status=200):
    return render_template("alerts/detail.html", alert=alert, people=services.people_of(alert),
                           **_handling_forms(alert, ack_form, resolve_form)), status


@bp.route("/<int:alert_id>")
@staff
def detail(alert_id):
    return _detail(_alert(alert_id))


@bp.route("/<int:alert_id>/stato", methods=["POST"])
@staff
def move(alert_id):
    return _move(_alert(alert_id), services, "alerts.detail", _detail)


def _move(alert, handler, detail_endpoint: str, render):
    """Acknowledge or resolve (with a note) an alert or a security alert: the same form, the same errors."""
    action = request.form.get("azione")
    if action not in ("acknowledge", "resolve"):
        abort(400)
    form = AcknowledgeForm(prefix="ack") if action == "acknowledge" else ResolveForm(prefix="res")
    if form.validate_on_submit():
        with attempt(form):
            if action == "acknowledge":
                handler.acknowledge(alert, form.version.data)
                flash(_("Allerta presa in visione."), "success")
            else:
                handler.resolve(alert, form.note.data, form.version.data)
                flash(_("Allerta risolta."), "success")
            return redirect(url_for(detail_endpoint, alert_id=alert.id))
    kwargs = {"ack_form": form} if action == "acknowledge" else {"resolve_form": form}
    return render(alert, status=200, **kwargs)


# --- rule settings ------------------------------------------------------------------------------------------

def _setting_forms(rows, posted=None):
    forms = []
    for setting in rows:
        if not services.may_edit_setting(setting.rule):
            continue
        if posted is not None and posted[0] == setting.rule:
            form = posted[1]
        else:
            form = RuleSettingForm(prefix=setting.rule.value, version=setting.version, enabled=setting.enabled,
                                   threshold=setting.threshold, window_minutes=setting.window_minutes, formdata=None)
        forms.append((setting, form))
    return forms


@bp.route("/regole")
@rule_editors
def rules():
    rows = services.ensure_settings(current_membership().tenant_id)
    return render_template("alerts/rules.html", forms=_setting_forms(rows))


@bp.route("/regole/<rule>", methods=["POST"])
@rule_editors
def edit_rule(rule):
    try:
        rule = Rule(rule)
    except ValueError:
        abort(404)
    or_403(services.may_edit_setting(rule))
    rows = services.ensure_settings(current_membership().tenant_id)
    setting = next(s for s in rows if s.rule == rule)
    form = RuleSettingForm(prefix=rule.value)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_setting(setting, enabled=form.enabled.data, threshold=form.threshold.data,
                                    window_minutes=form.window_minutes.data, expected_version=form.version.data)
        if done:
            flash(_("Regola «%(rule)s» salvata.", rule=RULE_LABELS[rule]), "success")
            return redirect(url_for("alerts.rules"))
    return render_template("alerts/rules.html", forms=_setting_forms(rows, (rule, form)))


# --- security alerts (the DPO) -------------------------------------------------------------------------------

@bp.route("/sicurezza")
@dpo
def security_list():
    page = _page()
    query = select(SecurityAlert).options(joinedload(SecurityAlert.subject))
    if request.args.get("stato") != "tutte":
        query = query.where(SecurityAlert.state != AlertState.RESOLVED)
    rows, has_next = one_page(_unique_scalars, query.order_by(SecurityAlert.detected_at.desc(), SecurityAlert.id.desc()),
                              page, PAGE_SIZE)
    return render_template("alerts/security.html", alerts=rows, has_next=has_next, page=page,
                           all_states=request.args.get("stato") == "tutte",
                           rules_link=services.may_edit_setting(Rule.UNUSUAL_ACCESS))


def _security(alert_id) -> SecurityAlert:
    return visible_or_404(SecurityAlert, alert_id)


def _security_page(alert, *, ack_form=None, resolve_form=None, status=200):
    tenant = services.tenant_name(alert.subject_tenant_id) if alert.subject_tenant_id else ""  # none for a burst
    return render_template("alerts/security_detail.html", alert=alert, tenant=tenant,
                           **_handling_forms(alert, ack_form, resolve_form)), status


@bp.route("/sicurezza/<int:alert_id>")
@dpo
def security_detail(alert_id):
    return _security_page(_security(alert_id))


@bp.route("/sicurezza/<int:alert_id>/stato", methods=["POST"])
@dpo
def security_move(alert_id):
    return _move(_security(alert_id), security, "alerts.security_detail", _security_page)
