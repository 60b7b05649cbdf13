"""Home (per role), legal pages, feedback, language switch and a health check."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import current_membership, membership_required
from ..accounts.services import remember_language
from ..accounts.views import _safe_next
from ..core.rows import or_404
from ..extensions import limiter
from ..i18n import LOCALE_KEY
from . import health, navigation, queue, services
from .forms import FeedbackForm, LanguageForm
from .links import route_of

bp = Blueprint("core", __name__)


@bp.route("/")
@membership_required
def home():
    membership = current_membership()
    return render_template("core/home.html", membership=membership, sections=queue.home(membership),
                           panels=navigation.entries_for(membership))


@bp.route("/da-fare/<key>")
@membership_required
def queue_list(key):
    """All the items of one of the user's queues ("vedi tutti" on the home page), by pages."""
    membership = current_membership()
    found = or_404(queue.get(key, membership))
    page_number = request.args.get("pagina", 1, type=int)
    if page_number < 1:
        abort(404)
    page = found.fetch(membership, queue.PAGE_ITEMS, (page_number - 1) * queue.PAGE_ITEMS)
    if page_number > 1 and not page.items:
        abort(404)
    return render_template("core/queue_list.html", source=found, page=page, page_number=page_number,
                           has_next=page_number * queue.PAGE_ITEMS < page.total)


@bp.app_template_global("main_menu")
def main_menu(membership):
    """The main navigation's groups of entries for the membership (templates/core/_menu.html)."""
    return navigation.menu_groups(membership)


@bp.route("/accessibilita")
def accessibility():
    return render_template("core/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


def _feedback_limit() -> str:
    return current_app.config["FEEDBACK_RATE_LIMIT"]


@bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])  # open to anyone: a loop must not fill the table
def feedback():
    form = FeedbackForm(page=route_of(request.args.get("pagina") or request.referrer))
    if form.validate_on_submit():
        services.save_feedback(form)
        flash(_("Grazie: il tuo messaggio è stato ricevuto."), "success")
        return redirect(url_for("core.feedback"))
    return render_template("core/feedback.html", form=form)


@bp.route("/lingua", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session[LOCALE_KEY] = form.lang.data
        if current_user.is_authenticated:  # kept with the account: their mail, their next sign-in elsewhere
            remember_language(current_user, form.lang.data)
    return redirect(_safe_next(form.next.data))


@bp.route("/salute/vivo")
def health_live():
    """Liveness: the process answers. No database, so a database outage does not get workers restarted."""
    return {"status": "ok"}


@bp.route("/salute/pronto")
def health_ready():
    """Readiness: the database answers and its schema is at the code's migration heads; else 503 and why."""
    problem = health.readiness_problem()
    if problem:
        return {"status": "unavailable", "reason": problem}, 503
    return {"status": "ok"}


# The historical address keeps its meaning (it always queried the database): readiness.
bp.add_url_rule("/salute", "health", health_ready)
