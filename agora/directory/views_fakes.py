"""Fake-account reports: the public form and follow-up page, the public list of decisions and
the rector's queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agora.core.clientip import client_ip
from agora.core.errors import DomainError
from agora.directory import fake_reports, permissions, selectors
from agora.directory.forms_fakes import FakeReportDecisionForm, FakeReportForm
from agora.directory.models import FakeReportStatus

PAGE_SIZE = 25


def _initial(request: HttpRequest) -> dict[str, str]:
    """Prefilled from the look-up: the account and, when detected, the entity imitated."""
    initial = {"cuenta": request.GET.get("cuenta", "")[:500]}
    code = request.GET.get("entidad", "")[:40]
    if code:
        entity = fake_reports.entity_resolve(code)
        if entity is not None:
            initial["entidad"] = entity.name
    return initial


@require_http_methods(["GET", "POST"])
def fake_report(request: HttpRequest) -> HttpResponse:
    form = FakeReportForm(request.POST or None, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = fake_reports.fake_report_submit(
                reporter=request.user if request.user.is_authenticated else None,
                client_address=client_ip(request),
                reported=data["cuenta"],
                entity_text=data["entidad"],
                evidence_url=data["evidencia"],
                description=data["descripcion"],
                contact_email=data["correo"],
            )
        except fake_reports.ReportThrottledError as exc:
            response = render(
                request,
                "directory/fake_report_throttled.html",
                {"message": " ".join(exc.messages)},
                status=429,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        except DomainError as exc:
            form.add_error("cuenta", exc)
        else:
            return redirect(
                "directory:lookup_report_status", token=fake_reports.report_token(report)
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/fake_report.html", {"form": form}, status=status)


def fake_report_status(request: HttpRequest, token: str) -> HttpResponse:
    report = fake_reports.fake_report_public_by_token(token=token)
    return render(
        request,
        "directory/fake_report_status.html",
        {"report": report, "statuses": FakeReportStatus},
    )


def fake_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(fake_reports.fake_reports_public(), PAGE_SIZE)
    return render(
        request,
        "directory/fake_list.html",
        {"page": paginator.get_page(request.GET.get("pagina")), "statuses": FakeReportStatus},
    )


@login_required
@require_http_methods(["GET", "POST"])
def fake_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.may_decide_fake_reports(request.user):
        raise PermissionDenied
    user: Any = request.user
    if request.method == "POST":
        form = FakeReportDecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            return redirect("directory:fake_queue")
        data = form.cleaned_data
        report = fake_reports.fake_report_get_for_rector(user=user, report_id=data["report"])
        try:
            fake_reports.fake_report_decide(
                actor=user,
                report=report,
                decision=data["decision"],
                reason=data["reason"],
                entity_text=data["entity"],
                profile_url=data["profile_url"],
            )
        except DomainError as exc:
            messages.error(
                request,
                _("Reporte n.º %(number)s: %(error)s")
                % {"number": report.pk, "error": " ".join(exc.messages)},
            )
        else:
            messages.success(
                request,
                _("Decisión registrada para el reporte n.º %(number)s.") % {"number": report.pk},
            )
        return redirect("directory:fake_queue")
    reports = list(fake_reports.fake_reports_queue(user=user)[:100])
    resembles = selectors.lookalike_entities([r.handle for r in reports])
    for report in reports:
        report.resembles = resembles.get(report.handle, [])  # type: ignore[attr-defined]
    return render(
        request,
        "directory/fake_queue.html",
        {"reports": reports, "decisions": FakeReportDecisionForm.DECISIONS},
    )
