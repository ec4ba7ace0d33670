"""Pages of the entity settings area (/entidad/<code>/configuracion/): thin, they parse the
request and call ``agora.connectors.entity_settings`` and ``agora.connectors.services``.

Only the entity's managers and rector staff get in; anyone else gets a 404. Every one of them
must use a second factor: the 2FA middleware already sends them to it, and these views check
again so that the area never opens on a password alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import user_has_device

from agora.connectors import entity_settings, services
from agora.connectors.settings_forms import (
    AccessForm,
    CredentialForm,
    PolicyForm,
    RefreshTokenForm,
    TriageForm,
)
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import staff_required, user_is_rector, user_requires_2fa
from agora.directory.models import Entity
from agora.inbox import policies
from agora.inbox.selectors import entity_staff

INDEX_LIMIT = 50

View = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def second_factor_required(view: View) -> View:
    """The rule of ``RequireTwoFactorMiddleware``, checked again here: a person who must use
    2FA (``user_requires_2fa``: every manager and rector staff member, so everyone allowed in)
    and whose session did not enter the code is sent to enter it, or to set up a device."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user_requires_2fa(user) and not user.is_verified():  # type: ignore[union-attr]
            if user_has_device(user):
                return redirect_to_login(request.get_full_path(), "two_factor:login")
            return redirect("two_factor:setup")
        return view(request, *args, **kwargs)

    return wrapped


def _page(entity: Entity) -> str:
    return reverse("entity_settings:page", kwargs={"code": entity.code})


@staff_required
@second_factor_required
@never_cache
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    """The entities the person manages (straight to the one when there is only one); rector
    staff search among all of them. 404 for anyone who manages none."""
    user = _user(request)
    managed = entity_settings.entities_managed(user=user)
    if not managed.exists():
        raise Http404
    rector = user_is_rector(user)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        managed = managed.filter(Q(name__icontains=query) | Q(code__iexact=query))
    entities = list(managed.order_by("name")[: INDEX_LIMIT + 1])
    if len(entities) == 1 and not query and not rector:
        return redirect(_page(entities[0]))
    context = {
        "entities": entities[:INDEX_LIMIT],
        "more": len(entities) > INDEX_LIMIT,
        "query": query,
        "is_rector": rector,
    }
    return render(request, "connectors/settings_index.html", context)


def _render(
    request: HttpRequest,
    entity: Entity,
    *,
    credential_forms: dict[int, CredentialForm] | None = None,
    access_forms: dict[int, AccessForm] | None = None,
    refresh_forms: dict[int, RefreshTokenForm] | None = None,
    policy_form: PolicyForm | None = None,
    triage_form: TriageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = entity_settings.settings_accounts(entity=entity)
    credential_forms = credential_forms or {}
    access_forms = access_forms or {}
    refresh_forms = refresh_forms or {}
    rows = [
        {
            "account": account,
            "credential": getattr(account, "credential", None),
            "form": credential_forms.get(account.pk)
            or CredentialForm(
                prefix=f"c{account.pk}",
                initial={"tipo": entity_settings.credential_kind_for(account)},
            ),
            "access_form": access_forms.get(account.pk) or AccessForm(prefix=f"a{account.pk}"),
            "refresh_form": refresh_forms.get(account.pk)
            or RefreshTokenForm(prefix=f"r{account.pk}"),
        }
        for account in accounts
    ]
    policy = policies.response_policy_get(entity=entity)
    context = {
        "entity": entity,
        "rows": rows,
        "pending_total": sum(len(getattr(a, "pending_flags", [])) for a in accounts),
        "policy": policy,
        "policy_form": policy_form or PolicyForm.for_policy(policy.policy),
        "triage_form": triage_form
        or TriageForm.for_policy(policy.policy, entity_staff(entity_id=entity.pk)),
    }
    return render(request, "connectors/settings.html", context, status=status)


@login_required
@second_factor_required
@never_cache
@require_GET
def settings_page(request: HttpRequest, code: str) -> HttpResponse:
    """The entity's accounts, credentials, access registry, password changes and deadlines."""
    entity = entity_settings.settings_entity_get(user=_user(request), code=code)
    return _render(request, entity)


def _guarded(view: View) -> View:
    """POST actions: signed in, entity resolved (404 for anyone who does not manage it),
    second factor checked; a PermissionDeniedError from a service becomes a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
        entity = entity_settings.settings_entity_get(user=_user(request), code=code)
        try:
            return view(request, entity, *args, **kwargs)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc

    return login_required(second_factor_required(require_POST(wrapped)))


def _form_action(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], object],
    success: Callable[[dict[str, Any]], str],
    target: str,
    render_failure: Callable[[forms.Form], HttpResponse],
    error_field: str | None = None,
) -> HttpResponse:
    """A form's POST: when valid, ``call`` the service with the cleaned data; its Spanish
    error goes back onto the form (``error_field``, or the whole form) and the page is shown
    again with status 400; on success a message and a redirect to ``target``. A
    PermissionDeniedError is left to ``_guarded`` (403)."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            form.add_error(error_field, " ".join(exc.messages))
        else:
            messages.success(request, success(form.cleaned_data))
            return redirect(target)
    return render_failure(form)


def _button_action(
    request: HttpRequest, call: Callable[[], object], success: str, target: str
) -> HttpResponse:
    """A button's POST (no form): the service's Spanish error or the success as a message,
    then back to ``target``."""
    try:
        call()
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(target)


def _account_anchor(entity: Entity, account_pk: int) -> str:
    return _page(entity) + f"#cuenta-{account_pk}"


@_guarded
def credential_save(request: HttpRequest, entity: Entity, account_pk: int) -> HttpResponse:
    account = entity_settings.settings_account_get(entity=entity, pk=account_pk)
    return _form_action(
        request,
        CredentialForm(request.POST, prefix=f"c{account.pk}"),
        lambda data: services.credential_set(
            actor=_user(request), account=account, kind=data["tipo"], secret=data["token"]
        ),
        lambda data: _("Credencial de %(account)s guardada; no se volverá a mostrar.")
        % {"account": str(account)},
        _account_anchor(entity, account.pk),
        lambda form: _render(
            request, entity, credential_forms={account.pk: cast(CredentialForm, form)}, status=400
        ),
        error_field="token",
    )


@_guarded
def refresh_token_save(request: HttpRequest, entity: Entity, account_pk: int) -> HttpResponse:
    """The OAuth refresh token of a YouTube account (Ágora renews the access token with it)."""
    account = entity_settings.settings_account_get(entity=entity, pk=account_pk)
    return _form_action(
        request,
        RefreshTokenForm(request.POST, prefix=f"r{account.pk}"),
        lambda data: entity_settings.credential_refresh_token_set(
            actor=_user(request), account=account, refresh_token=data["token"]
        ),
        lambda data: _("Token de actualización de %(account)s guardado; no se volverá a mostrar.")
        % {"account": str(account)},
        _account_anchor(entity, account.pk),
        lambda form: _render(
            request, entity, refresh_forms={account.pk: cast(RefreshTokenForm, form)}, status=400
        ),
        error_field="token",
    )


@_guarded
def refresh_token_remove(request: HttpRequest, entity: Entity, account_pk: int) -> HttpResponse:
    account = entity_settings.settings_account_get(entity=entity, pk=account_pk)
    return _button_action(
        request,
        lambda: entity_settings.credential_refresh_token_set(
            actor=_user(request), account=account, refresh_token=""
        ),
        _("Token de actualización de %(account)s eliminado.") % {"account": str(account)},
        _account_anchor(entity, account.pk),
    )


@_guarded
def access_add(request: HttpRequest, entity: Entity, account_pk: int) -> HttpResponse:
    account = entity_settings.settings_account_get(entity=entity, pk=account_pk)
    return _form_action(
        request,
        AccessForm(request.POST, prefix=f"a{account.pk}"),
        lambda data: services.access_grant(
            actor=_user(request),
            account=account,
            person_name=data["nombre"],
            platform_role=data["rol"],
        ),
        lambda data: _("Acceso de %(person)s a %(account)s registrado.")
        % {"person": data["nombre"], "account": str(account)},
        _account_anchor(entity, account.pk),
        lambda form: _render(
            request, entity, access_forms={account.pk: cast(AccessForm, form)}, status=400
        ),
    )


@_guarded
def access_remove(request: HttpRequest, entity: Entity, access_pk: int) -> HttpResponse:
    """The person no longer holds access: the account's password must be changed, so a
    "cambiar contraseña" flag is raised (guideline 24)."""
    access = entity_settings.settings_access_get(entity=entity, pk=access_pk)
    return _button_action(
        request,
        lambda: services.access_revoke(actor=_user(request), access=access),
        _("Acceso de %(person)s retirado: cambie la contraseña de %(account)s.")
        % {"person": access.person_name, "account": str(access.account)},
        _account_anchor(entity, access.account_id),
    )


@_guarded
def flag_confirm(request: HttpRequest, entity: Entity, flag_pk: int) -> HttpResponse:
    flag = entity_settings.settings_flag_get(entity=entity, pk=flag_pk)
    return _button_action(
        request,
        lambda: services.password_change_confirm(actor=_user(request), flag=flag),
        _("Cambio de contraseña de %(account)s confirmado.") % {"account": str(flag.account)},
        _account_anchor(entity, flag.account_id),
    )


@_guarded
def policy_save(request: HttpRequest, entity: Entity) -> HttpResponse:
    return _form_action(
        request,
        PolicyForm(request.POST),
        lambda data: policies.response_policy_set(
            actor=_user(request),
            entity=entity,
            first_response_hours=data["primera_respuesta"],
            next_response_hours=data["siguiente_respuesta"],
            resolution_hours=data["resolucion"],
            workday_start=data["inicio_jornada"],
            workday_end=data["fin_jornada"],
        ),
        lambda data: _("Plazos de respuesta guardados."),
        _page(entity) + "#plazos",
        lambda form: _render(request, entity, policy_form=cast(PolicyForm, form), status=400),
    )


@_guarded
def triage_save(request: HttpRequest, entity: Entity) -> HttpResponse:
    form = TriageForm(request.POST, members=entity_staff(entity_id=entity.pk))
    return _form_action(
        request,
        form,
        lambda data: policies.response_triage_set(
            actor=_user(request),
            entity=entity,
            priority_hours=data["prioridad_horas"],
            escalation_contact=form.contact(),
        ),
        lambda data: _("Prioridad y escalada guardadas."),
        _page(entity) + "#prioridad",
        lambda form: _render(request, entity, triage_form=cast(TriageForm, form), status=400),
    )


@_guarded
def policy_reset(request: HttpRequest, entity: Entity) -> HttpResponse:
    return _button_action(
        request,
        lambda: policies.response_policy_reset(actor=_user(request), entity=entity),
        _("La entidad vuelve a usar la política general."),
        _page(entity) + "#plazos",
    )
