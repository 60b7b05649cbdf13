"""The node's pages for its network at /rete: information points, training, agreements, calls, applications."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import Capability, membership_required, requires
from ..core.rows import or_403, or_404
from ..core.transaction import attempt
from . import applications, services
from .files import send, store_upload
from .forms import ActivationForm, AgreementForm, CallForm, CourseForm, ParticipationForm, ReviewForm
from .models import STATUS_LABELS

bp = Blueprint("network", __name__, url_prefix="/rete")


@bp.before_request
@membership_required
@requires(Capability.GOVERN)  # the node's coordinator; the services check the tenant is a node
def _coordinator_only():
    or_403(services.is_coordinator())


def _organisation_choices(form_field):
    form_field.choices = [(t.id, t.name) for t in services.network_organisations()]


def _points_page(agreement_form=None, status=200, error=None):
    if agreement_form is None:
        agreement_form = AgreementForm()
        _organisation_choices(agreement_form.organisation_id)
    return render_template("network/points.html", rows=services.point_rows(), form=ActivationForm(),
                           agreement_form=agreement_form, counts=services.attention_counts(),
                           required=services.required_hours(), error=error), status


@bp.route("/punti")
def points():
    return _points_page()


@bp.route("/punti/<int:point_id>/attivazione", methods=["POST"])
def activation(point_id):
    point = or_404(services.get_point(point_id))
    form = ActivationForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    with attempt() as done:
        services.set_active(point, active, form.version.data)
    if not done:  # a button on the list: the refusal (what the point lacks) is said above it
        return _points_page(status=400, error=str(done.error))
    flash(_("Punto informativo attivato.") if active else _("Punto informativo disattivato."), "success")
    return redirect(url_for(".points"))


@bp.route("/accordi", methods=["POST"])
def add_agreement():
    form = AgreementForm()
    _organisation_choices(form.organisation_id)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.record_agreement(form.organisation_id.data, form.signed_on.data, form.expires_on.data,
                                      store_upload(form.document.data, "document"))
        if done:
            flash(_("Accordo registrato."), "success")
            return redirect(url_for(".points"))
    return _points_page(form, status=400)


@bp.route("/accordi/<int:agreement_id>/documento")
def agreement_document(agreement_id):
    return send(or_404(services.get_agreement(agreement_id)))


@bp.route("/formazione", methods=["GET", "POST"])
def courses():
    form = CourseForm()
    if form.validate_on_submit():
        course = services.add_course({k: form[k].data for k in ("title", "hours", "starts_on", "ends_on", "organiser")})
        flash(_("Corso registrato."), "success")
        return redirect(url_for(".course", course_id=course.id))
    return render_template("network/courses.html", courses=services.courses(), form=form,
                           required=services.required_hours()), 400 if form.errors else 200


@bp.route("/formazione/<int:course_id>", methods=["GET", "POST"])
def course(course_id):
    course = or_404(services.get_course(course_id))
    form = ParticipationForm()
    _organisation_choices(form.organisation_id)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.record_participation(course, form.email.data, form.organisation_id.data, form.completed_on.data,
                                          form.hours_attended.data)
        if done:
            flash(_("Partecipazione registrata."), "success")
            return redirect(url_for(".course", course_id=course.id))
    return render_template("network/course.html", course=course, form=form,
                           required=services.required_hours()), 400 if form.errors else 200


@bp.route("/avvisi", methods=["GET", "POST"])
def calls():
    form = CallForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            applications.publish_call({k: form[k].data for k in ("title", "opens_on", "closes_on", "requirements")})
        if done:
            flash(_("Avviso pubblicato."), "success")
            return redirect(url_for(".calls"))
    return render_template("network/calls.html", calls=applications.calls_of_node(), form=form), \
        400 if form.errors else 200


@bp.route("/candidature")
def applications_list():
    return render_template("network/applications.html", rows=applications.applications(), STATUS_LABELS=STATUS_LABELS)


@bp.route("/candidature/<int:application_id>", methods=["GET", "POST"])
def application(application_id):
    row = or_404(applications.get_application(application_id))
    form = ReviewForm()
    if request.method == "GET":
        form.version.data = row.version
    if form.validate_on_submit():
        with attempt(form) as done:
            said = _decide(row, form)
        if done:
            flash(said, "success")
            return redirect(url_for(".application", application_id=row.id))
    return render_template("network/application.html", row=row, form=form, STATUS_LABELS=STATUS_LABELS), \
        400 if form.errors else 200


def _decide(row, form) -> str:
    """The node's decision on an application; what to tell the coordinator."""
    if form.decision.data == "accept":
        tenant = applications.accept(row, form.version.data, form.signed_on.data, form.expires_on.data,
                                     store_upload(form.document.data, "document"), current_user)
        return _("Candidatura accettata: %(org)s è nella rete e la persona di contatto è stata invitata.",
                 org=tenant.name)
    if form.decision.data == "reject":
        applications.reject(row, form.message.data.strip(), form.version.data)
        return _("Candidatura respinta.")
    applications.request_changes(row, form.message.data.strip(), form.version.data)
    return _("Richiesta di modifiche inviata.")


@bp.route("/candidature/<int:application_id>/allegato")
def application_attachment(application_id):
    return send(or_404(applications.get_application(application_id)))
