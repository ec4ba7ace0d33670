"""Admin for credentials, the access registry, password-change flags and polling cursors.
Every write goes through ``agora.connectors.services`` with ``request.user`` as the actor, so
the permission rules (guideline 1) and the audit log are the same as everywhere else. A saved
secret is never shown again: the form's password input is never pre-filled, lists show its hint.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agora.connectors import entity_settings, services
from agora.connectors.models import (
    AccountAccess,
    AccountCredential,
    CredentialKind,
    MentionFetch,
    PasswordChangeFlag,
    PollCursor,
)
from agora.core.errors import DomainError
from agora.core.models import User
from agora.directory.admin import MembershipAdmin
from agora.directory.models import Entity, Membership


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _scoped(queryset: QuerySet[Any], request: HttpRequest, path: str) -> QuerySet[Any]:
    """Only the rows of the entities this person works for (all for rector staff)."""
    return queryset.filter(**{f"{path}__in": Entity.objects.for_staff(_actor(request))})


class _RequestFormMixin:
    """Gives the form the request, so that ``clean`` can run the service's checks."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]

        class RequestForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, **inner)
                self.request = request

        return RequestForm


class CredentialForm(forms.ModelForm):
    request: HttpRequest

    new_secret = forms.CharField(
        label=_("Secreto"),
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Token o clave de la cuenta. Se guarda cifrado y no se vuelve a mostrar: para "
            "cambiarlo, escriba el nuevo."
        ),
    )

    new_refresh_token = forms.CharField(
        label=_("Token de actualización (OAuth de YouTube)"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Opcional: renueva el token OAuth cuando vence. Se guarda cifrado y no se vuelve "
            "a mostrar; déjelo vacío para conservar el registrado."
        ),
    )

    class Meta:
        model = AccountCredential
        fields = ["account", "kind"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account = data.get("account") or (self.instance.account if self.instance.pk else None)
        if data.get("new_refresh_token") and data.get("kind") != CredentialKind.OAUTH:
            self.add_error(
                "new_refresh_token",
                _("El token de actualización solo se usa con un token OAuth (YouTube)."),
            )
        if account is not None and data.get("kind") and data.get("new_secret") is not None:
            # Same checks as the service, shown next to the form (nothing is written here).
            data["new_secret"] = services.credential_check(
                actor=_actor(self.request),
                account=account,
                kind=data["kind"],
                secret=data["new_secret"],
            )
        return data

    def validate_unique(self) -> None:
        # Saving a credential for an account that has one replaces it (credential_set).
        pass


@admin.register(AccountCredential)
class AccountCredentialAdmin(_RequestFormMixin, admin.ModelAdmin):
    form = CredentialForm
    list_display = (
        "account",
        "entity",
        "kind",
        "masked_hint",
        "masked_refresh_hint",
        "set_by",
        "set_at",
    )
    list_filter = ("kind", "account__platform")
    search_fields = ("account__handle", "account__entity__code", "account__entity__name")
    raw_id_fields = ("account",)
    list_select_related = ("account__entity", "set_by")

    @admin.display(description=_("secreto"))
    def masked_hint(self, obj: AccountCredential) -> str:
        return f"…{obj.hint}" if obj.hint else "…"

    @admin.display(description=_("token de actualización"))
    def masked_refresh_hint(self, obj: AccountCredential) -> str:
        return f"…{obj.refresh_hint}" if obj.refresh_hint else "—"

    @admin.display(description=_("entidad"), ordering="account__entity__name")
    def entity(self, obj: AccountCredential) -> str:
        return str(obj.account.entity)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccountCredential]:
        return _scoped(super().get_queryset(request), request, "account__entity")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("account", "masked_refresh_hint", "expires_at", "set_by", "set_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["account", "kind", "new_secret", "new_refresh_token"]
        if obj is None:
            return fields
        return [*fields, "masked_refresh_hint", "expires_at", "set_by", "set_at"]

    def save_model(
        self, request: HttpRequest, obj: AccountCredential, form: Any, change: bool
    ) -> None:
        saved = services.credential_set(
            actor=_actor(request),
            account=obj.account,
            kind=form.cleaned_data["kind"],
            secret=form.cleaned_data["new_secret"],
        )
        if form.cleaned_data.get("new_refresh_token"):
            saved = entity_settings.credential_refresh_token_set(
                actor=_actor(request),
                account=obj.account,
                refresh_token=form.cleaned_data["new_refresh_token"],
            )
        # The admin redirects and logs with ``obj``: it becomes the stored row.
        obj.pk, obj.hint, obj.set_by, obj.set_at = saved.pk, saved.hint, saved.set_by, saved.set_at

    def delete_model(self, request: HttpRequest, obj: AccountCredential) -> None:
        services.credential_clear(actor=_actor(request), account=obj.account)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccountCredential]) -> None:
        for credential in queryset.select_related("account__entity"):
            try:
                services.credential_clear(actor=_actor(request), account=credential.account)
            except DomainError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)


class AccessForm(forms.ModelForm):
    request: HttpRequest

    class Meta:
        model = AccountAccess
        fields = ["account", "user", "person_name", "platform_role", "granted_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("account") is not None:
            data["person_name"], data["platform_role"] = services.access_check(
                actor=_actor(self.request),
                account=data["account"],
                person_name=data.get("person_name") or "",
                platform_role=data.get("platform_role") or "",
                user=data.get("user"),
            )
        return data


@admin.register(AccountAccess)
class AccountAccessAdmin(_RequestFormMixin, admin.ModelAdmin):
    form = AccessForm
    list_display = ("person_name", "account", "platform_role", "user", "granted_at", "revoked_at")
    list_filter = ("account__platform", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("person_name", "account__handle", "account__entity__code")
    raw_id_fields = ("account", "user")
    list_select_related = ("account__entity", "user")
    actions = ["revoke_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccountAccess]:
        return _scoped(super().get_queryset(request), request, "account__entity")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the registry keeps history: revoke instead

    def save_model(self, request: HttpRequest, obj: AccountAccess, form: Any, change: bool) -> None:
        saved = services.access_grant(
            actor=_actor(request),
            account=obj.account,
            person_name=obj.person_name,
            platform_role=obj.platform_role,
            user=obj.user,
            granted_at=obj.granted_at,
        )
        obj.pk = saved.pk

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        from django.utils import timezone

        return {"granted_at": timezone.now(), **super().get_changeform_initial_data(request)}

    @admin.action(description=_("Retirar los accesos seleccionados (y pedir cambio de contraseña)"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[AccountAccess]) -> None:
        done = 0
        for access in queryset.filter(revoked_at__isnull=True):
            try:
                services.access_revoke(actor=_actor(request), access=access)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{access}: {' '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(request, _("Accesos retirados: %(count)s.") % {"count": done})


class PendingFilter(admin.SimpleListFilter):
    title = _("estado")
    parameter_name = "pendientes"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Por confirmar")), ("0", _("Confirmados"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "1":
            return queryset.filter(confirmed_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(confirmed_at__isnull=False)
        return queryset


@admin.register(PasswordChangeFlag)
class PasswordChangeFlagAdmin(admin.ModelAdmin):
    list_display = ("account", "reason", "created_at", "confirmed_by", "confirmed_at")
    list_filter = (PendingFilter, "account__platform")
    search_fields = ("account__handle", "account__entity__code", "reason")
    list_select_related = ("account__entity", "confirmed_by")
    readonly_fields = ("account", "reason", "created_at", "confirmed_by", "confirmed_at")
    actions = ["confirm_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PasswordChangeFlag]:
        return _scoped(super().get_queryset(request), request, "account__entity")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Confirmar cambio de contraseña"))
    def confirm_selected(
        self, request: HttpRequest, queryset: QuerySet[PasswordChangeFlag]
    ) -> None:
        done = 0
        for flag in queryset.filter(confirmed_at__isnull=True):
            try:
                services.password_change_confirm(actor=_actor(request), flag=flag)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{flag}: {' '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(
                request, _("Cambios de contraseña confirmados: %(count)s.") % {"count": done}
            )


@admin.register(PollCursor)
class PollCursorAdmin(admin.ModelAdmin):
    list_display = ("account", "since_id", "last_polled_at", "wait_until", "last_error")
    search_fields = ("account__handle", "account__entity__code")
    list_select_related = ("account__entity",)
    readonly_fields = ("account", "since_id", "page_token", "last_polled_at", "wait_until")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PollCursor]:
        return _scoped(super().get_queryset(request), request, "account__entity")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MentionFetch)
class MentionFetchAdmin(admin.ModelAdmin):
    """Instagram @mentions announced by the webhook and their follow-up read: a failed one
    says why (read only: the worker retries, the periodic job finds what a lost task left)."""

    list_display = ("account", "media_id", "comment_id", "status", "attempts", "created_at")
    list_filter = ("status",)
    search_fields = ("account__handle", "account__entity__code", "media_id", "comment_id")
    list_select_related = ("account__entity",)
    readonly_fields = (
        "account",
        "media_id",
        "comment_id",
        "status",
        "attempts",
        "due_at",
        "error",
        "created_at",
        "done_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[MentionFetch]:
        return _scoped(super().get_queryset(request), request, "account__entity")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Ending a membership must raise the password-change flags (guideline 24): the directory's
# membership admin is replaced by one whose end date is set only through the service.
class MembershipEndingAdmin(MembershipAdmin):
    readonly_fields = ("ended_at",)
    actions = ["end_selected"]

    @admin.action(
        description=_("Terminar las membresías seleccionadas (pide cambio de contraseñas)")
    )
    def end_selected(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        ended = 0
        for membership in queryset.filter(ended_at__isnull=True):
            try:
                services.membership_end(actor=request.user, membership=membership)  # type: ignore[arg-type]
                ended += 1
            except DomainError as exc:
                self.message_user(
                    request, f"{membership}: {' '.join(exc.messages)}", messages.ERROR
                )
        if ended:
            self.message_user(request, _("%(n)s membresías terminadas.") % {"n": ended})


admin.site.unregister(Membership)
admin.site.register(Membership, MembershipEndingAdmin)
