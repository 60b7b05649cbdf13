"""Pages of the organisation's administrator: API clients (keys shown once, revocation), the webhook
delivery log, and the browsable API reference (rendered here: no CDN script under the strict CSP)."""
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms import DateField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from ..accounts.permissions import current_membership, membership_required
from ..core.fields import SubmissionKeyField, new_submission_key
from ..core.forms import PortalForm
from ..core.rows import by_submission_key, or_403, or_404
from ..core.transaction import attempt
from ..extensions import db
from ..i18n import day_start
from ..i18n import lazy_gettext as _l
from . import clients, webhooks
from .models import DELIVERY_LABELS, SCOPE_LABELS, ApiClient

bp = Blueprint("api_admin", __name__)


class ClientForm(PortalForm):
    name = StringField(_l("Nome del sistema"), validators=[DataRequired(), Length(max=120)])
    scopes = SelectMultipleField(_l("Permessi"), widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput(), validators=[DataRequired()])
    expires_on = DateField(_l("Scadenza (facoltativa)"), validators=[Optional()])
    # One per render: the page answers the post itself (the key is kept nowhere), so a reload posts it again.
    submission_key = SubmissionKeyField()


def _form() -> ClientForm:
    form = ClientForm()
    tenant = current_membership().tenant
    form.scopes.choices = [(s.value, f"{s.value} – {SCOPE_LABELS[s]}") for s in clients.grantable_scopes(tenant)]
    return form


def _require_manager():
    or_403(clients.may_manage())


@bp.route("/amministrazione/api/", methods=["GET", "POST"])
@membership_required
def index():
    _require_manager()
    form, key = _form(), None
    if form.is_submitted() and by_submission_key(ApiClient, form.submission_key.data) is not None:
        flash(clients.already_created(), "info")  # the page sent again: nothing added, no key to show
        return redirect(url_for(".index"))
    if form.validate_on_submit():
        # Valid through the day typed, in Rome: to its last second (the list shows that day).
        expires = (day_start(form.expires_on.data + timedelta(days=1)) - timedelta(seconds=1)
                   if form.expires_on.data else None)
        with attempt(form) as done:
            client, key = clients.create_client(form.name.data.strip(), form.scopes.data, expires,
                                                form.submission_key.data)
        if done:
            db.session.commit()
            form = _form()
            form.name.data, form.scopes.data = "", []
            form.submission_key.data = new_submission_key()  # the page's next client is another one
            flash(_("Client «%(name)s» creato. Copia ora la chiave: non sarà più mostrata.", name=client.name), "success")
    return render_template("api/clients.html", form=form, clients=clients.clients(), key=key,
                           now=datetime.now(UTC))


@bp.route("/amministrazione/api/<int:client_id>/revoca", methods=["POST"])
@membership_required
def revoke(client_id):
    _require_manager()
    client = or_404(clients.get_client(client_id))
    if not PortalForm().validate_on_submit():
        abort(400)
    clients.revoke_client(client)
    db.session.commit()
    flash(_("Chiave del client «%(name)s» revocata.", name=client.name), "success")
    return redirect(url_for(".index"))


@bp.route("/amministrazione/api/consegne")
@membership_required
def deliveries():
    _require_manager()
    return render_template("api/deliveries.html", rows=webhooks.deliveries(), DELIVERY_LABELS=DELIVERY_LABELS)


@bp.route("/api/v1/docs")
def docs():
    """The OpenAPI document as a page: paths, operations, parameters and schemas (public, like the JSON)."""
    from .rest import api

    spec = api.spec.to_dict()
    return render_template("api/docs.html", spec=spec, json_url=url_for("api-docs.openapi_json"),
                           base=current_app.config["SERVER_BASE_URL"])
