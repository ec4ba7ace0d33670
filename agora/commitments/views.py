"""Pages of the action plans: the public dashboard, plans, commitments, open-data files, and
the staff pages (progress reports, approval, proposals, SMART scoring, selection)."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agora.commitments import permissions, selectors, services, timeline
from agora.commitments.forms import (
    CommitmentFilterForm,
    MilestoneForm,
    ProposalForm,
    ReviewDecisionForm,
    SmartScoreForm,
    UpdateForm,
)
from agora.commitments.models import (
    SMART_MAX_TOTAL,
    SMART_RUBRIC,
    Milestone,
    Proposal,
    ProposalGroup,
    SmartCriterion,
    SmartScore,
)
from agora.core.errors import DomainError
from agora.core.files import file_response
from agora.core.pagecache import anonymous_page
from agora.directory import roles

FILTER_KEYS = ("q", "plan", "entidad", "area", "estado")
DASHBOARD_CACHE_SECONDS = 600


def _filter_form(request: HttpRequest) -> CommitmentFilterForm:
    data = {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}
    return CommitmentFilterForm(data or None, choices=selectors.filter_choices())


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(1, int(request.GET.get("pagina", "1"))), 100_000)
    except ValueError:
        return 1


def dashboard(request: HttpRequest) -> HttpResponse:
    """The public dashboard. Anonymous visitors all see the same page for the same query, so
    it is kept whole in the cache, keyed on the data's version and today's date (overdue
    milestones change with the date); a miss costs a constant number of queries."""
    params = sorted(
        (k, request.GET.getlist(k)) for k in (*FILTER_KEYS, "pagina") if k in request.GET
    )

    def build() -> HttpResponse:
        form = _filter_form(request)
        filters = form.filters()
        paginator = Paginator(selectors.commitments_public(filters), selectors.PAGE_SIZE)
        page = paginator.get_page(_page_number(request))
        query = urlencode([(k, request.GET[k]) for k in FILTER_KEYS if request.GET.get(k)])
        return render(
            request,
            "commitments/dashboard.html",
            {
                "form": form,
                "plans": selectors.plans_summary(),
                "page": page,
                "query_string": query,
                "filtered": bool(query),
            },
        )

    return anonymous_page(
        request,
        prefix="commitments:dashboard",
        parts=(selectors.dashboard_version(), selectors.today(), params),
        build=build,
        timeout=DASHBOARD_CACHE_SECONDS,
    )


def _milestone_bars(milestones: list[Milestone], today: Any) -> timeline.Timeline:
    bars = [
        timeline.Bar(
            label=str(m.order),
            title=m.activity,
            start=m.start_month,
            end=m.end_month,
            status=m.status,
            status_label=m.get_status_display(),
            overdue=m.is_overdue(today),
        )
        for m in milestones
    ]
    return timeline.build(bars, today=today)


def plan_detail(request: HttpRequest, cycle: int) -> HttpResponse:
    plan = selectors.plan_get_public(cycle=cycle)
    today = selectors.today()
    commitments = selectors.plan_timeline(plan)
    bars = []
    for c in commitments:
        ms = list(c.milestones.all())
        if not ms:
            continue
        bars.append(
            timeline.Bar(
                label=c.code,
                title=c.display_title,
                start=min(m.start_month for m in ms),
                end=max(m.end_month for m in ms),
                status=c.status,
                status_label=c.get_status_display(),
                overdue=any(m.is_overdue(today) for m in ms),
            )
        )
    return render(
        request,
        "commitments/plan.html",
        {
            "plan": plan,
            "commitments": commitments,
            "chart": timeline.build(bars, today=today),
            "members": selectors.commission_members(plan),
            "workshops": list(plan.workshops.all()),
        },
    )


def commitment_detail(request: HttpRequest, code: str) -> HttpResponse:
    commitment = selectors.commitment_get_public(code=code)
    today = selectors.today()
    milestones = list(commitment.milestones.all())
    return render(
        request,
        "commitments/commitment.html",
        {
            "commitment": commitment,
            "milestones": [(m, m.is_overdue(today)) for m in milestones],
            "chart": _milestone_bars(milestones, today),
            "updates": list(selectors.updates_public(commitment)),
            "review": selectors.commitment_review(commitment),
            "can_report": request.user.is_authenticated
            and selectors.commitments_for_manager(request.user).filter(pk=commitment.pk).exists(),
            "can_edit_milestones": permissions.may_edit_milestones(request.user, commitment),
        },
    )


CSV_COLUMNS = [
    "codigo",
    "ciclo",
    "plan",
    "titulo",
    "titulo_es_traduccion",
    "titulo_ogp",
    "entidad_responsable",
    "institucion_responsable",
    "areas_de_politica",
    "valores_ogp",
    "estado",
    "avance",
    "vencido",
    "hitos",
    "demo",
]


def export_csv(request: HttpRequest) -> HttpResponse:
    rows = selectors.commitments_export(_filter_form(request).filters())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="compromisos.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                *[row[k] for k in CSV_COLUMNS[:4]],
                "sí" if row["titulo_es_traduccion"] else "no",
                *[row[k] for k in CSV_COLUMNS[5:8]],
                " | ".join(row["areas_de_politica"]),
                " | ".join(row["valores_ogp"]),
                row["estado"],
                row["avance"],
                "sí" if row["vencido"] else "no",
                len(row["hitos"]),
                "sí" if row["demo"] else "no",
            ]
        )
    return response


def export_json(request: HttpRequest) -> HttpResponse:
    rows = selectors.commitments_export(_filter_form(request).filters())
    response = JsonResponse(
        {"compromisos": rows, "total": len(rows)}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = 'inline; filename="compromisos.json"'
    return response


def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An uploaded evidence file, served only to who may read it (never from /media/)."""
    evidence = selectors.evidence_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    return file_response(evidence.file, download_name=evidence.original_name)


def methodology(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "commitments/methodology.html",
        {
            "rubric": [(c.label, SMART_RUBRIC[c]) for c in SmartCriterion],
            "max_total": SMART_MAX_TOTAL,
        },
    )


# --- staff ---------------------------------------------------------------------------------------


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "commitments/staff_home.html",
        {
            "is_rector": permissions.may_run_plans(user),
            "mine": list(selectors.commitments_for_manager(user)),  # type: ignore[arg-type]
            "led": permissions.entities_managed_by(user),
            "updates": list(selectors.updates_pending(user)[:100]),  # type: ignore[arg-type]
            "plans": list(selectors.plans_for_scoring(user)),  # type: ignore[arg-type]
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def update_new(request: HttpRequest, code: str) -> HttpResponse:
    commitment = selectors.commitment_for_update(user=request.user, code=code)  # type: ignore[arg-type]
    milestones = list(commitment.milestones.order_by("order"))
    choices = [(m.pk, f"{m.order}. {m.activity[:90]}") for m in milestones]
    form = UpdateForm(request.POST or None, request.FILES or None, milestones=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        milestone = next((m for m in milestones if m.pk == data["milestone"]), None)
        try:
            services.update_post(
                actor=request.user,  # type: ignore[arg-type]
                commitment=commitment,
                text=data["text"],
                milestone=milestone,
                milestone_status=data["milestone_status"],
                evidence_links=data["evidence_links"].splitlines(),
                files=data["evidence_files"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Reporte enviado. Será público cuando la secretaría lo apruebe.")
            )
            return redirect("commitments:staff_home")
    # A refused report (a file that is not evidence, a missing text) is a 400 with the form and
    # its Spanish errors, not a 200.
    return render(
        request,
        "commitments/update_form.html",
        {"commitment": commitment, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _milestone_form_values(data: dict[str, Any], *, with_status: bool) -> dict[str, Any]:
    values = {
        "activity": data["activity"],
        "responsible": data["responsible"],
        "start_month": data["start_month"],
        "end_month": data["end_month"],
        "weight": data["weight"],
    }
    if with_status:
        values["status"] = data["status"]
    return values


@login_required
@require_http_methods(["GET", "POST"])
def milestones_manage(request: HttpRequest, code: str) -> HttpResponse:
    """The milestones of a commitment, and a form to add one (rector staff and the lead
    entity's managers)."""
    commitment = selectors.commitment_for_milestones(user=request.user, code=code)  # type: ignore[arg-type]
    with_status = permissions.may_set_milestone_status(request.user)
    form = MilestoneForm(request.POST or None, with_status=with_status)
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_add(
                actor=request.user,  # type: ignore[arg-type]
                commitment=commitment,
                **_milestone_form_values(form.cleaned_data, with_status=with_status),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Hito %(n)s agregado; el avance se recalculó.") % {"n": milestone.order}
            )
            return redirect("commitments:milestones", code=commitment.code)
    return render(
        request,
        "commitments/milestones.html",
        {
            "commitment": commitment,
            "milestones": list(commitment.milestones.all()),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    commitment = selectors.commitment_for_milestones(user=request.user, code=code)  # type: ignore[arg-type]
    milestone = next((m for m in commitment.milestones.all() if m.pk == pk), None)
    if milestone is None:
        raise Http404
    with_status = permissions.may_set_milestone_status(request.user)
    initial = {
        "activity": milestone.activity,
        "responsible": milestone.responsible,
        "start_month": milestone.start_month.strftime("%Y-%m"),
        "end_month": milestone.end_month.strftime("%Y-%m"),
        "weight": milestone.weight,
        "status": milestone.status,
    }
    form = MilestoneForm(request.POST or None, initial=initial, with_status=with_status)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(
                actor=request.user,  # type: ignore[arg-type]
                milestone=milestone,
                **_milestone_form_values(form.cleaned_data, with_status=with_status),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Hito actualizado; el avance se recalculó."))
            return redirect("commitments:milestones", code=commitment.code)
    return render(
        request,
        "commitments/milestone_form.html",
        {"commitment": commitment, "milestone": milestone, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def update_review(request: HttpRequest, pk: int) -> HttpResponse:
    update = selectors.update_for_review(user=request.user, pk=pk)  # type: ignore[arg-type]
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "aprobar":
                services.update_approve(
                    actor=request.user,  # type: ignore[arg-type]
                    update=update,
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Reporte aprobado y publicado."))
            else:
                services.update_reject(
                    actor=request.user,  # type: ignore[arg-type]
                    update=update,
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Reporte observado; se avisó a la entidad."))
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("commitments:staff_home")
    return render(request, "commitments/update_review.html", {"update": update, "form": form})


def _plan_for_staff(request: HttpRequest, cycle: int) -> Any:
    plan = selectors.plans_for_scoring(request.user).filter(cycle=cycle).first()  # type: ignore[arg-type]
    if plan is None:
        raise PermissionDenied
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def plan_proposals(request: HttpRequest, cycle: int) -> HttpResponse:
    plan = _plan_for_staff(request, cycle)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "sugerir":
                groups = services.proposal_groups_suggest(actor=request.user, plan=plan)  # type: ignore[arg-type]
                messages.success(request, _("%(n)s agrupaciones sugeridas.") % {"n": len(groups)})
            elif action in ("confirmar", "descartar"):
                group = ProposalGroup.objects.filter(
                    plan=plan, pk=request.POST.get("group", "")
                ).first()
                if group is None:
                    raise DomainError(_("La agrupación no existe."))
                if action == "confirmar":
                    services.proposal_group_confirm(actor=request.user, group=group)  # type: ignore[arg-type]
                    messages.success(request, _("Agrupación confirmada."))
                else:
                    services.proposal_group_dismiss(actor=request.user, group=group)  # type: ignore[arg-type]
                    messages.success(request, _("Agrupación descartada."))
            elif action == "proponer":
                form = ProposalForm(request.POST, workshops=_workshop_choices(plan))
                if not form.is_valid():
                    raise DomainError(_("Revise los datos de la propuesta."))
                data = form.cleaned_data
                entity = None
                if data["entity"]:
                    entity = roles.entity_by_code(data["entity"])
                    if entity is None:
                        raise DomainError(_("No hay una entidad con ese código en el directorio."))
                services.proposal_submit(
                    actor=request.user,  # type: ignore[arg-type]
                    plan=plan,
                    title=data["title"],
                    description=data["description"],
                    workshop=plan.workshops.filter(pk=data["workshop"]).first()
                    if data["workshop"]
                    else None,
                    entity=entity,
                    submitter_name=data["submitter_name"],
                )
                messages.success(request, _("Propuesta registrada."))
            elif action == "seleccionar":
                ids = [int(v) for v in request.POST.getlist("proposal") if v.isdigit()]
                chosen = list(Proposal.objects.filter(plan=plan, pk__in=ids))
                if len(chosen) != len(set(ids)):
                    raise DomainError(_("Alguna propuesta no pertenece a este plan."))
                services.proposals_select(actor=request.user, plan=plan, proposals=chosen)  # type: ignore[arg-type]
                messages.success(request, _("Selección guardada."))
            else:
                raise DomainError(_("Acción desconocida."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("commitments:plan_proposals", cycle=plan.cycle)
    return render(
        request,
        "commitments/proposals.html",
        {
            "plan": plan,
            "ranking": services.proposals_rank(plan=plan),
            "groups": list(selectors.groups_pending(plan)),
            "is_rector": permissions.may_run_plans(request.user),
            "max_total": SMART_MAX_TOTAL,
            "proposal_form": ProposalForm(workshops=_workshop_choices(plan)),
        },
    )


def _workshop_choices(plan: Any) -> list[tuple[int, str]]:
    return [(w.pk, str(w)) for w in plan.workshops.all()]


@login_required
@require_http_methods(["GET", "POST"])
def proposal_score(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_for_scoring(user=request.user, pk=pk)  # type: ignore[arg-type]
    current = {
        s.criterion: str(s.value)
        for s in SmartScore.objects.filter(proposal=proposal, evaluator_id=request.user.pk)
    }
    form = SmartScoreForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.smart_score_record(
                actor=request.user,  # type: ignore[arg-type]
                proposal=proposal,
                scores={c: form.cleaned_data[c] for c in SmartCriterion.values},
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Puntaje guardado."))
            return redirect("commitments:plan_proposals", cycle=proposal.plan.cycle)
    return render(request, "commitments/score_form.html", {"proposal": proposal, "form": form})
