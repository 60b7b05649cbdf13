"""The administrator's page of one API client's webhook subscriptions: the same service as
``POST /api/v1/webhooks`` (validation, SSRF guard, audit), the signing secret shown once."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectMultipleField, URLField, widgets
from wtforms.validators import DataRequired, Length

from ..accounts.permissions import membership_required
from ..core.fields import SubmissionKeyField
from ..core.forms import PortalForm
from ..core.rows import by_submission_key, or_403, or_404
from ..core.transaction import attempt
from ..extensions import db
from ..i18n import lazy_gettext as _l
from . import clients, webhooks
from .models import EVENT_LABELS, EventKind, Scope, WebhookSubscription
from .views import bp


class SubscriptionForm(PortalForm):
    url = URLField(_l("Indirizzo che riceve le notifiche"), validators=[DataRequired(), Length(max=500)])
    events = SelectMultipleField(_l("Eventi"), widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput(), validators=[DataRequired()])
    # One per render: the page answers the post itself (the secret is shown once), so a reload posts it again.
    submission_key = SubmissionKeyField()

    def __init__(self, *args, events=tuple(EventKind), **kwargs):
        super().__init__(*args, **kwargs)
        # Per form, in the page's language: a class attribute was formatted once, in Italian, at import. Only
        # the events the client's scopes let it read (webhooks.EVENT_SCOPES).
        self.events.choices = [(k.value, f"{k.value} – {EVENT_LABELS[k]}") for k in events]


def _client(client_id: int):
    or_403(clients.may_manage())
    return or_404(clients.get_client(client_id))


def _subscription(client, subscription_id: int) -> WebhookSubscription:
    sub = db.session.scalar(select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.client_id == client.id,
        WebhookSubscription.active.is_(True)))
    if sub is None:
        abort(404)
    return sub


@bp.route("/amministrazione/api/<int:client_id>/webhook", methods=["GET", "POST"])
@membership_required
def subscriptions(client_id):
    client = _client(client_id)
    form, secret = SubscriptionForm(events=webhooks.receivable(client)), None
    usable = Scope.WEBHOOKS.value in (client.scopes or []) and client.revoked_at is None
    if request.method == "POST" and not usable:
        abort(403)
    if request.method == "POST" and by_submission_key(WebhookSubscription, form.submission_key.data) is not None:
        flash(webhooks.already_subscribed(), "info")  # the page sent again: nothing added, no secret to show
        return redirect(url_for(".subscriptions", client_id=client.id))
    if form.validate_on_submit():
        with attempt(form) as done:  # a refusal lands on the field it names (the address or the events)
            _sub, secret = webhooks.subscribe(client, form.url.data.strip(), form.events.data, form.submission_key.data)
        if done:
            db.session.commit()  # the secret is shown only once it is stored
            flash(_("Sottoscrizione creata. Copia ora il segreto di firma: non sarà più mostrato."), "success")
            form = SubscriptionForm(formdata=None, events=webhooks.receivable(client))
    return render_template("api/webhooks.html", client=client, form=form, secret=secret, usable=usable,
                           rows=webhooks.subscriptions(client), EVENT_LABELS=EVENT_LABELS)


@bp.route("/amministrazione/api/<int:client_id>/webhook/<int:subscription_id>/annulla", methods=["POST"])
@membership_required
def unsubscribe(client_id, subscription_id):
    client = _client(client_id)
    sub = _subscription(client, subscription_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    webhooks.unsubscribe(sub)
    db.session.commit()
    flash(_("Sottoscrizione annullata."), "success")
    return redirect(url_for(".subscriptions", client_id=client.id))
