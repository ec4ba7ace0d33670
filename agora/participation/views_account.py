"""«Mis datos»: a signed-in person sees, downloads and (a citizen) deletes their own data."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agora.core.errors import DomainError
from agora.participation import personal_data


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "participation/my_data.html",
        {
            "data": personal_data.personal_data(user),
            "can_delete": personal_data.account_can_be_deleted(user),
            "anonymous_label": personal_data.ANONYMOUS_LABEL,
        },
    )


@login_required
@require_GET
def my_data_download(request: HttpRequest) -> HttpResponse:
    body = personal_data.personal_data_download(user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = "mis-datos-agora-%s.json" % timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def my_data_delete(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.POST.get("confirmar") != "1":
        messages.error(request, _("Marque la casilla que confirma que quiere eliminar su cuenta."))
        return redirect("participation:my_data")
    try:
        personal_data.citizen_account_delete(user=user, password=request.POST.get("password", ""))
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("participation:my_data")
    logout(request)
    return render(
        request,
        "participation/message.html",
        {
            "title": _("Su cuenta fue eliminada"),
            "text": _(
                "Borramos su correo, su contraseña, sus suscripciones, sus notificaciones y sus "
                "comentarios no publicados. Sus comentarios publicados siguen en las consultas, "
                "firmados «%(label)s», porque forman parte del expediente público."
            )
            % {"label": personal_data.ANONYMOUS_LABEL},
        },
    )
