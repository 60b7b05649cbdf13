"""Network directory at /rete: search and filter the organisations; their admins (and the node) edit."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import Capability, membership_required, requires
from ..core.grounds import GROUND_LABELS
from ..core.rows import or_403, or_404
from ..core.views_helpers import edit_form
from ..network.services import published_points
from ..tenancy.models import TenantKind
from . import services
from .forms import EntryForm, FilterForm, PointForm
from .municipalities import cadastral_of, istat_of

bp = Blueprint("directory", __name__, url_prefix="/rete")


@bp.before_request
@membership_required
@requires(Capability.FORUM)  # everyone in the network reads the directory, as the forum
def _members_only():
    return None


@bp.app_template_filter("istat")
def _istat(cadastral_code):
    """The ISTAT code of a municipality from the cadastral code directory entries store ("" if unknown)."""
    return istat_of(cadastral_code) or ""


def _entry_or_404(entry_id):
    return or_404(services.get(entry_id))


def _editable_entry(entry_id):
    """The entry (404 if unseen) that the current user may edit (403 otherwise)."""
    entry = _entry_or_404(entry_id)
    or_403(services.may_edit(entry))
    return entry


@bp.route("/")
def index():
    form = FilterForm(request.args)
    form.comune.data = cadastral_of(form.comune.data) or form.comune.data  # ?comune=003106 (ISTAT) as well
    form.validate()
    rows = services.search(
        q=form.q.data, kind=form.tipo.data if form.tipo.data in {k.value for k in TenantKind} else None,
        ground=form.motivo.data if form.motivo.data in {g.value for g in GROUND_LABELS} else None,
        municipality=form.comune.data or None,
    )
    return render_template("directory/index.html", form=form, rows=rows,
                           may_keep_own_entry=services.may_keep_own_entry(),
                           may_manage_network=services.may_manage_network())


@bp.route("/mia", methods=["GET", "POST"])
def mine():
    """The organisation's own entry (created on first use by its admin): straight to the edit form."""
    if request.method == "GET" and not services.may_keep_own_entry():
        abort(403)
    entry = services.own_entry()
    return redirect(url_for(".edit", entry_id=entry.id))


@bp.route("/o/<slug>")
def by_slug(slug):
    """Where a forum @mention of an organisation points: its directory entry."""
    entry = or_404(services.by_organisation_slug(slug))
    return redirect(url_for(".detail", entry_id=entry.id))


def _detail_page(entry, point_form=None):
    may_edit = services.may_edit(entry)
    published, gaps = published_points(entry)
    # The network reads the published points; the organisation and its node all of them, marked.
    return render_template("directory/detail.html", entry=entry, may_edit=may_edit,
                           points=entry.points if may_edit else published, published=published, gaps=gaps,
                           point_form=point_form or PointForm())


@bp.route("/<int:entry_id>")
def detail(entry_id):
    return _detail_page(_entry_or_404(entry_id))


@bp.route("/<int:entry_id>/modifica", methods=["GET", "POST"])
def edit(entry_id):
    entry = _editable_entry(entry_id)
    form = edit_form(EntryForm, entry)
    if form.validate_on_submit():
        services.update(entry, form.data_for_service(), form.version.data)
        flash(_("Scheda della rubrica aggiornata."), "success")
        return redirect(url_for(".detail", entry_id=entry.id))
    return render_template("directory/edit.html", entry=entry, form=form)


@bp.route("/<int:entry_id>/punti", methods=["POST"])
def add_point(entry_id):
    entry = _editable_entry(entry_id)
    form = PointForm()
    if not form.validate_on_submit():  # the page again with the typed point and the errors by its fields
        return _detail_page(entry, form), 400
    services.add_point(entry, {k: (form[k].data or None) for k in PointForm.FIELDS})
    flash(_("Punto informativo aggiunto: sarà pubblicato quando il nodo lo attiva."), "success")
    return redirect(url_for(".detail", entry_id=entry.id))


@bp.route("/<int:entry_id>/punti/<int:point_id>/modifica", methods=["GET", "POST"])
def edit_point(entry_id, point_id):
    entry = _editable_entry(entry_id)
    point = services.point_of(entry, point_id)
    form = edit_form(PointForm, point)
    if form.validate_on_submit():
        services.update_point(entry, point.id, {k: (form[k].data or None) for k in PointForm.FIELDS},
                              form.version.data)
        flash(_("Punto informativo aggiornato."), "success")
        return redirect(url_for(".detail", entry_id=entry.id))
    return render_template("directory/point_edit.html", entry=entry, point=point, form=form), 400 if form.errors else 200


@bp.route("/<int:entry_id>/punti/<int:point_id>/elimina", methods=["POST"])
def remove_point(entry_id, point_id):
    entry = _entry_or_404(entry_id)
    deleted = services.remove_point(entry, point_id)
    flash(_("Punto informativo eliminato.") if deleted else
          _("Il punto informativo è indicato in alcune segnalazioni: non è stato eliminato ma tolto dalla rubrica."),
          "success")
    return redirect(url_for(".detail", entry_id=entry.id))
