"""Network groups at /rete/gruppi: the cabina di regia, the protocol signatories, their meetings and minutes.
Views are thin: services decide who sees and who manages, and audit every change."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import Capability, membership_required, requires
from ..core.files import send_stored
from ..core.rows import or_403, or_404
from ..core.transaction import attempt
from ..core.views_helpers import edit_form, expose_labels
from . import models, services
from .forms import ApproveForm, GroupForm, MeetingForm, MinutesForm
from .models import GroupKind

bp = Blueprint("governance", __name__, url_prefix="/rete/gruppi")


expose_labels(bp, models, "GROUP_KIND_LABELS", everywhere=True)


@bp.before_request
@membership_required
@requires(Capability.FORUM)  # every organisation of the network knows its groups, as it reads the directory
def _members_only():
    return None


def _group_or_404(group_id):
    return or_404(services.get_group(group_id))


def _meeting_or_abort(meeting_id, manage: bool = False):
    """404 for a wrong id or another network's meeting; 403 for a non-member (or a non-manager)."""
    meeting = or_404(services.get_meeting(meeting_id))
    allowed = services.may_manage(meeting.group) if manage else services.may_see_meetings(meeting.group)
    or_403(allowed)
    return meeting


def _require_manager(group=None):
    or_403(services.may_manage(group))


@bp.route("/")
def index():
    return render_template("governance/index.html", groups=services.groups(), may_manage=services.may_manage(),
                           is_member=services.is_member)


def _member_choices(form, node_id):
    form.members.choices = [(t.id, t.name) for t in services.network_organisations(node_id)]


@bp.route("/nuovo", methods=["GET", "POST"])
def new_group():
    _require_manager()
    from ..accounts.permissions import current_membership

    form = GroupForm()
    _member_choices(form, current_membership().tenant_id)
    if form.validate_on_submit():
        group = services.create_group(form.name.data, GroupKind(form.kind.data), form.description.data,
                                      form.members.data or [])
        flash(_("Gruppo creato."), "success")
        return redirect(url_for(".group", group_id=group.id))
    return render_template("governance/group_form.html", form=form, group=None)


@bp.route("/<int:group_id>")
def group(group_id):
    group = _group_or_404(group_id)
    visible = services.may_see_meetings(group)
    return render_template(
        "governance/group.html", group=group, may_manage=services.may_manage(group), visible=visible,
        meetings=services.meetings(group) if visible else [],
    )


@bp.route("/<int:group_id>/modifica", methods=["GET", "POST"])
def edit_group(group_id):
    group = _group_or_404(group_id)
    _require_manager(group)
    form = edit_form(GroupForm, group)
    _member_choices(form, group.node_id)
    if request.method == "GET":
        form.members.data = [m.tenant_id for m in group.members]
    if form.validate_on_submit():
        services.update_group(
            group, {"name": form.name.data.strip(), "kind": GroupKind(form.kind.data),
                    "description": form.description.data or None},
            form.members.data or [], form.version.data,
        )
        flash(_("Gruppo aggiornato."), "success")
        return redirect(url_for(".group", group_id=group.id))
    return render_template("governance/group_form.html", form=form, group=group)


def _meeting_data(form) -> dict:
    return {"held_on": form.held_on.data, "starts_at": form.starts_at.data, "place": form.place.data.strip(),
            "agenda": form.agenda.data}


@bp.route("/<int:group_id>/riunioni/nuova", methods=["GET", "POST"])
def new_meeting(group_id):
    group = _group_or_404(group_id)
    _require_manager(group)
    form = MeetingForm()
    if form.validate_on_submit():
        meeting = services.create_meeting(group, _meeting_data(form))
        flash(_("Riunione aggiunta."), "success")
        return redirect(url_for(".meeting", meeting_id=meeting.id))
    return render_template("governance/meeting_form.html", form=form, group=group, meeting=None)


@bp.route("/riunioni/<int:meeting_id>")
def meeting(meeting_id):
    meeting = _meeting_or_abort(meeting_id)
    return render_template(
        "governance/meeting.html", meeting=meeting, group=meeting.group, minutes=services.visible_minutes(meeting),
        may_manage=services.may_manage(meeting.group), approve_form=ApproveForm(),
    )


@bp.route("/riunioni/<int:meeting_id>/modifica", methods=["GET", "POST"])
def edit_meeting(meeting_id):
    meeting = _meeting_or_abort(meeting_id, manage=True)
    form = edit_form(MeetingForm, meeting)
    if form.validate_on_submit():
        services.update_meeting(meeting, _meeting_data(form), form.version.data)
        flash(_("Riunione aggiornata."), "success")
        return redirect(url_for(".meeting", meeting_id=meeting.id))
    return render_template("governance/meeting_form.html", form=form, group=meeting.group, meeting=meeting)


@bp.route("/riunioni/<int:meeting_id>/verbale", methods=["GET", "POST"])
def minutes(meeting_id):
    meeting = _meeting_or_abort(meeting_id, manage=True)
    current = meeting.minutes
    if current is not None and current.approved_at is not None:
        abort(403)  # approved minutes are final
    form = MinutesForm() if current is None else edit_form(MinutesForm, current)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.save_minutes(meeting, form.body.data, form.file.data, form.version.data)
        if done:
            flash(_("Verbale salvato come bozza."), "success")
            return redirect(url_for(".meeting", meeting_id=meeting.id))
    return render_template("governance/minutes_form.html", form=form, meeting=meeting, group=meeting.group,
                           minutes=current)


@bp.route("/riunioni/<int:meeting_id>/verbale/approva", methods=["POST"])
def approve(meeting_id):
    meeting = _meeting_or_abort(meeting_id, manage=True)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    services.approve_minutes(meeting, form.version.data)
    flash(_("Verbale approvato: ora è visibile ai membri del gruppo."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting.id))


@bp.route("/riunioni/<int:meeting_id>/verbale/allegato")
def minutes_file(meeting_id):
    meeting = _meeting_or_abort(meeting_id)
    content = or_404(services.minutes_file(meeting))
    minutes = meeting.minutes
    return send_stored(content, minutes.attachment_type, minutes.attachment_name)
