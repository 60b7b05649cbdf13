"""Controls on services: the sample checks of the coordinator and the provider scorecards.
Thin views over ``controls.py`` and ``scorecard.py``."""
from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..cases.services import node_providers
from ..core.rows import or_403, or_404, visible_or_404
from ..core.views_helpers import guarded, saved
from ..extensions import db
from ..tenancy.context import current
from . import controls, scorecard
from .forms import SampleDrawForm, VerifyItemForm
from .labels import OUTCOME_LABELS
from .models import SampleCheck, SampleCheckItem, VerificationOutcome
from .viewkit import bp, logged_in, provider_names

check_viewers = guarded(controls.may_view_checks)
checkers = guarded(controls.may_check)


def _provider_choices(providers) -> list:
    return [("", _("Scegli"))] + [(str(p.id), p.name) for p in providers]


def _controls_page(form=None, status=200):
    form = form or SampleDrawForm()
    providers = node_providers()
    form.provider.choices = _provider_choices(providers)
    rows = controls.checks()
    return render_template(
        "budget/controls.html", form=form, rows=rows, providers=providers, may_check=controls.may_check(),
        names=provider_names([c.provider_id for c, *_ in rows]),
    ), status


@bp.route("/controlli")
@check_viewers
def controls_index():
    return _controls_page()


@bp.route("/controlli/campioni", methods=["POST"])
@checkers
def draw_sample():
    form = SampleDrawForm()
    form.provider.choices = _provider_choices(node_providers())
    return saved(form, lambda: controls.draw_sample(form.provider.data, size=form.size.data, percent=form.percent.data,
                                                    period_from=form.period_from.data, period_to=form.period_to.data,
                                                    seed=form.seed.data, note=form.note.data),
                 lambda check: ngettext("Campione estratto: %(num)d prestazione da verificare.",
                                        "Campione estratto: %(num)d prestazioni da verificare.", len(check.items)),
                 lambda check: url_for("budget.sample_check", check_id=check.id)) \
        or _controls_page(form=form)


def _outcome_choices() -> list:
    """The outcomes a verification records (pending is the item not yet verified)."""
    return [("", _("Scegli"))] + [(o.value, OUTCOME_LABELS[o])
                                  for o in (VerificationOutcome.CONFIRMED, VerificationOutcome.DISCREPANCY)]


def _check_page(check: SampleCheck, failed: dict | None = None, status=200):
    items = controls.items_of(check)
    forms = {}
    for item, _delivery, _pseudonym in items:
        form = (failed or {}).get(item.id) or VerifyItemForm(
            prefix=f"v{item.id}", version=item.version, outcome=item.outcome.value if item.outcome != VerificationOutcome.PENDING else "",
            discrepancy_amount=item.discrepancy_amount, note=item.note,
        )
        form.outcome.choices = _outcome_choices()
        forms[item.id] = form
    same_population, redrawn = controls.redraw(check)
    return render_template(
        "budget/sample_check.html", check=check, items=items, forms=forms, may_check=controls.may_check(),
        provider_name=provider_names([check.provider_id]).get(check.provider_id, ""),
        reproducible=same_population and redrawn == [item.delivery_id for item, *_ in items],
    ), status


@bp.route("/controlli/campioni/<int:check_id>")
@check_viewers
def sample_check(check_id):
    return _check_page(visible_or_404(SampleCheck, check_id, own=True))


@bp.route("/controlli/verifiche/<int:item_id>", methods=["POST"])
@checkers
def verify_item(item_id):
    item = visible_or_404(SampleCheckItem, item_id, own=True)
    form = VerifyItemForm(prefix=f"v{item.id}")
    form.outcome.choices = _outcome_choices()
    if done := saved(form, lambda: controls.record_outcome(item, outcome=form.outcome.data, amount=form.discrepancy_amount.data,
                                                           note=form.note.data, expected_version=form.version.data),
                     _("Esito della verifica registrato."),
                     url_for("budget.sample_check", check_id=item.check_id) + f"#voce-{item.id}"):
        return done
    check = db.session.get(SampleCheck, item.check_id)
    return _check_page(check, failed={item.id: form})


# --- provider scorecards -----------------------------------------------------------------------------

@bp.route("/fornitori")
@guarded(scorecard.may_view_list)
def scorecards():
    return render_template("budget/scorecards.html", providers=scorecard.node_scorecards())


@bp.route("/fornitori/<int:provider_id>/scheda")
@logged_in
def provider_scorecard(provider_id):
    provider = or_404(scorecard.provider_of_network(provider_id))
    or_403(scorecard.may_view(provider))
    return render_template("budget/scorecard.html", card=scorecard.scorecard(provider),
                           own=provider.id == current().tenant_id)
