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
from agora.connectors.settings_forms import AccessForm, CredentialForm, PolicyForm
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import user_is_rector, user_requires_2fa
from agora.directory.models import Entity

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


@login_required
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
    policy_form: PolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = entity_settings.settings_accounts(entity=entity)
    credential_forms = credential_forms or {}
    access_forms = access_forms or {}
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
        }
        for account in accounts
    ]
    policy = entity_settings.response_policy_get(entity=entity)
    context = {
        "entity": entity,
        "rows": rows,
        "pending_total": sum(len(getattr(a, "pending_flags", [])) for a in accounts),
        "policy": policy,
        "policy_form": policy_form or PolicyForm.for_policy(policy.policy),
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


@_guarded
def credential_save(request: HttpRequest, entity: Entity, account_pk: int) -> HttpResponse:
    account = entity_settings.settings_account_get(entity=entity, pk=account_pk)
    form = CredentialForm(request.POST, prefix=f"c{account.pk}")
    if form.is_valid():
        try:
            services.credential_set(
                actor=_user(request),
                account=account,
                kind=form.cleaned_data["tipo"],
                secret=form.cleaned_data["token"],
            )
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            form.add_error("token", " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Credencial de %(account)s guardada; no se volverá a mostrar.")
                % {"account": str(account)},
            )
            return redirect(_page(entity) + f"#cuenta-{account.pk}")
    return _render(request, entity, credential_forms={account.pk: form}, status=400)


@_guarded
def access_add(request: HttpRequest, entity: Entity, account_pk: int) -> HttpResponse:
    account = entity_settings.settings_account_get(entity=entity, pk=account_pk)
    form = AccessForm(request.POST, prefix=f"a{account.pk}")
    if form.is_valid():
        try:
            services.access_grant(
                actor=_user(request),
                account=account,
                person_name=form.cleaned_data["nombre"],
                platform_role=form.cleaned_data["rol"],
            )
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Acceso de %(person)s a %(account)s registrado.")
                % {"person": form.cleaned_data["nombre"], "account": str(account)},
            )
            return redirect(_page(entity) + f"#cuenta-{account.pk}")
    return _render(request, entity, access_forms={account.pk: form}, status=400)


@_guarded
def access_remove(request: HttpRequest, entity: Entity, access_pk: int) -> HttpResponse:
    """The person no longer holds access: the account's password must be changed, so a
    "cambiar contraseña" flag is raised (guideline 24)."""
    access = entity_settings.settings_access_get(entity=entity, pk=access_pk)
    try:
        services.access_revoke(actor=_user(request), access=access)
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Acceso de %(person)s retirado: cambie la contraseña de %(account)s.")
            % {"person": access.person_name, "account": str(access.account)},
        )
    return redirect(_page(entity) + f"#cuenta-{access.account_id}")


@_guarded
def flag_confirm(request: HttpRequest, entity: Entity, flag_pk: int) -> HttpResponse:
    flag = entity_settings.settings_flag_get(entity=entity, pk=flag_pk)
    try:
        services.password_change_confirm(actor=_user(request), flag=flag)
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Cambio de contraseña de %(account)s confirmado.") % {"account": str(flag.account)},
        )
    return redirect(_page(entity) + f"#cuenta-{flag.account_id}")


@_guarded
def policy_save(request: HttpRequest, entity: Entity) -> HttpResponse:
    form = PolicyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entity_settings.response_policy_set(
                actor=_user(request),
                entity=entity,
                first_response_hours=data["primera_respuesta"],
                next_response_hours=data["siguiente_respuesta"],
                resolution_hours=data["resolucion"],
                workday_start=data["inicio_jornada"],
                workday_end=data["fin_jornada"],
            )
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Plazos de respuesta guardados."))
            return redirect(_page(entity) + "#plazos")
    return _render(request, entity, policy_form=form, status=400)


@_guarded
def policy_reset(request: HttpRequest, entity: Entity) -> HttpResponse:
    try:
        entity_settings.response_policy_reset(actor=_user(request), entity=entity)
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("La entidad vuelve a usar la política general."))
    return redirect(_page(entity) + "#plazos")
