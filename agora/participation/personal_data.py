"""A citizen's own data (Ley 29733, rights of access and cancellation): what Ágora holds about
the signed-in person, as a page and as a download, and the deletion of their account.

Deletion removes or anonymises everything personal; what belongs to the public record stays,
without the person: published comments (attributed to «Participante anónimo»), the forum's
record of a representative (their name as it appears in minutes and attendance, without e-mail
or account), an organisation's admission request (without who sent it). The audit log keeps
that the actions happened, under an anonymous label."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, Notification, NotificationKey, OutboxTask, User
from agora.core.permissions import user_is_entity_staff
from agora.participation.models import (
    AdmissionRequest,
    CitizenVerification,
    Comment,
    CommentStatus,
    Consultation,
    OpportunitySubscription,
    Representative,
)
from agora.participation.services import consultation_comments_changed

ANONYMOUS_LABEL = "Participante anónimo"


def _when(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _subscriptions(user: User) -> list[OpportunitySubscription]:
    if not user.email:
        return []
    return list(OpportunitySubscription.objects.filter(email__iexact=user.email))


def personal_data(user: User) -> dict[str, Any]:
    """Everything Ágora holds about ``user`` (and only about them), JSON-ready."""
    verification = CitizenVerification.objects.filter(user=user).first()
    comments = (
        Comment.objects.filter(author=user)
        .select_related("consultation", "paragraph")
        .order_by("created_at", "id")
    )
    return {
        "cuenta": {
            "usuario": user.get_username(),
            "correo": user.email,
            "nombres": user.first_name,
            "apellidos": user.last_name,
            "registrada_el": _when(user.date_joined),
            "ultimo_ingreso": _when(user.last_login),
        },
        "verificacion_de_correo": (
            {
                "correo": verification.email,
                "registrada_el": _when(verification.created_at),
                "verificada_el": _when(verification.verified_at),
            }
            if verification
            else None
        ),
        "suscripciones": [
            {
                "correo": s.email,
                "creada_el": _when(s.created_at),
                "confirmada_el": _when(s.confirmed_at),
                "dada_de_baja_el": _when(s.unsubscribed_at),
            }
            for s in _subscriptions(user)
        ],
        "comentarios": [
            {
                "consulta": c.consultation.title,
                "enlace": c.consultation.get_absolute_url(),
                "parrafo": c.paragraph.label if c.paragraph else None,
                "texto": c.body,
                "firma_publica": c.author_label,
                "estado": c.get_status_display(),
                "fecha": _when(c.created_at),
                "motivo_de_moderacion": c.moderation_reason,
                "respuesta": c.get_answer_outcome_display() if c.answer_outcome else "",
                "fundamento_de_la_respuesta": c.answer_reason,
            }
            for c in comments
        ],
        "solicitudes_de_admision_a_foros": [
            {
                "foro": r.forum.name,
                "organizacion": r.organisation.name,
                "estado": r.get_status_display(),
                "motivacion": r.motivation,
                "fecha": _when(r.created_at),
                "motivo_de_la_decision": r.decision_reason,
            }
            for r in AdmissionRequest.objects.filter(requested_by=user).select_related(
                "forum", "organisation"
            )
        ],
        "representaciones_en_foros": [
            {
                "foro": r.membership.forum.name,
                "organizacion": r.membership.organisation.name,
                "rol": r.get_role_display(),
                "nombre": r.full_name,
                "cargo": r.position,
                "correo": r.email,
                "vigente": r.is_active,
            }
            for r in Representative.objects.filter(user=user).select_related(
                "membership__forum", "membership__organisation"
            )
        ],
        "notificaciones": [
            {"fecha": _when(n.created_at), "texto": n.text, "enlace": n.url}
            for n in Notification.objects.filter(user=user).order_by("created_at")
        ],
        "registro_de_acciones": [
            {"fecha": _when(e.created_at), "accion": e.verb, "objeto": e.object_type}
            for e in AuditEvent.objects.filter(actor=user).order_by("created_at")
        ],
    }


def personal_data_download(*, user: User) -> bytes:
    """The download of ``personal_data``, audited (who took a copy of personal data, when)."""
    data = {"generado_el": _when(timezone.now()), **personal_data(user)}
    audit_record(actor=user, verb="ciudadano.datos_descargados", instance=user)
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def account_can_be_deleted(user: User) -> bool:
    """Citizens delete their own account; staff accounts are ended by their entity or the
    rector (their actions are the State's record)."""
    return bool(
        user.is_authenticated
        and not user.is_staff
        and not user.is_superuser
        and not user_is_entity_staff(user)
    )


@transaction.atomic
def citizen_account_delete(*, user: User, password: str) -> None:
    """Cancels the account (Ley 29733): personal data removed or anonymised, the public record
    kept without the person. Asks for the password again."""
    if not account_can_be_deleted(user):
        raise PermissionDeniedError(
            _(
                "Las cuentas del personal de las entidades no se eliminan aquí: pida la baja a "
                "su responsable o al ente rector."
            )
        )
    if not user.check_password(password or ""):
        raise DomainError(_("La contraseña no es correcta: su cuenta no se eliminó."))
    email = user.email
    username = user.get_username()
    anonymous_username = f"eliminado-{user.pk}"

    # Public record: published comments stay, signed «Participante anónimo»; what the public
    # never saw (in review, hidden) goes.
    touched = set(Comment.objects.filter(author=user).values_list("consultation_id", flat=True))
    published = Comment.objects.filter(author=user, status=CommentStatus.PUBLICADO)
    kept_comments = published.update(author_label=ANONYMOUS_LABEL)
    removed_comments, _detail = (
        Comment.objects.filter(author=user).exclude(status=CommentStatus.PUBLICADO).delete()
    )
    for consultation in Consultation.objects.filter(pk__in=touched):
        consultation_comments_changed(consultation)

    # Forum record: the name stays where minutes and attendance show it; e-mail and account go.
    Representative.objects.filter(user=user).update(user=None, email="")
    AdmissionRequest.objects.filter(requested_by=user).update(requested_by=None)

    if email:
        OpportunitySubscription.objects.filter(email__iexact=email).delete()
        _drop_pending_mail(email)
    CitizenVerification.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationKey.objects.filter(user=user).delete()
    _drop_sign_in_records(user, username)

    # The audit log keeps that things happened, not who by name.
    AuditEvent.objects.filter(actor=user).update(actor_label=anonymous_username)
    names = [n for n in {email, username} if n]
    if names:
        match = Q()
        for name in names:
            match |= Q(object_repr__icontains=name)
        for event in AuditEvent.objects.filter(match).only("pk", "object_repr"):
            text = event.object_repr
            for name in names:
                text = _replace_ci(text, name, anonymous_username)
            AuditEvent.objects.filter(pk=event.pk).update(object_repr=text)

    user.username = anonymous_username
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    audit_record(
        actor=user,
        verb="ciudadano.cuenta_eliminada",
        instance=user,
        after={
            "comentarios_publicos_conservados": kept_comments,
            "comentarios_no_publicados_eliminados": removed_comments,
        },
    )


def _replace_ci(text: str, old: str, new: str) -> str:
    lower, target = text.lower(), old.lower()
    out, start = [], 0
    while (found := lower.find(target, start)) >= 0:
        out.append(text[start:found] + new)
        start = found + len(old)
    return "".join(out) + text[start:]


def _drop_pending_mail(email: str) -> None:
    """Mail still waiting in the outbox for the address goes without it."""
    for task in OutboxTask.objects.filter(func="agora.core.notifications.mail_each"):
        args = list(task.args)
        if len(args) >= 3 and isinstance(args[2], list):
            rest = [a for a in args[2] if str(a).lower() != email.lower()]
            if len(rest) != len(args[2]):
                if rest:
                    args[2] = rest
                    OutboxTask.objects.filter(pk=task.pk).update(args=args)
                else:
                    OutboxTask.objects.filter(pk=task.pk).delete()


def _drop_sign_in_records(user: User, username: str) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=username).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
