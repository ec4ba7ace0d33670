"""Subscriptions to participation opportunities: confirmed by e-mail, cancelled by link, and
the announcement of new consultations and public sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.errors import DomainError
from agora.core.siteurl import site_url
from agora.participation.models import (
    Consultation,
    ForumSession,
    OpportunitySubscription,
    SessionStatus,
)
from agora.participation.services._common import TOKEN_MAX_AGE, _send_mail

SUBSCRIBE_SALT = "agora.participation.subscription"


@transaction.atomic
def subscription_request(*, email: str) -> OpportunitySubscription:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(_("Escriba un correo electrónico válido.")) from exc
    subscription, _created = OpportunitySubscription.objects.get_or_create(email=email)
    if subscription.unsubscribed_at is not None:
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        subscription.save(update_fields=["unsubscribed_at", "confirmed_at"])
    if subscription.confirmed_at is None:
        token = signing.dumps({"s": subscription.pk, "e": email}, salt=SUBSCRIBE_SALT)
        url = site_url(reverse("participation:subscription_confirm", kwargs={"token": token}))
        _send_mail(
            _("[Ágora] Confirme su suscripción a oportunidades de participación"),
            _("Abra este enlace para recibir avisos de consultas y sesiones públicas:")
            + f"\n\n{url}\n",
            [email],
        )
    return subscription


def _subscription_from_token(token: str, max_age: int | None) -> OpportunitySubscription:
    try:
        data = signing.loads(token, salt=SUBSCRIBE_SALT, max_age=max_age)
    except signing.BadSignature as exc:
        raise DomainError(_("El enlace no es válido o venció.")) from exc
    subscription = OpportunitySubscription.objects.filter(
        pk=data.get("s"), email=data.get("e")
    ).first()
    if subscription is None:
        raise DomainError(_("El enlace no es válido o venció."))
    return subscription


@transaction.atomic
def subscription_confirm(*, token: str) -> OpportunitySubscription:
    subscription = _subscription_from_token(token, TOKEN_MAX_AGE)
    subscription.confirmed_at = subscription.confirmed_at or timezone.now()
    subscription.unsubscribed_at = None
    subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


@transaction.atomic
def subscription_cancel(*, token: str) -> OpportunitySubscription:
    subscription = _subscription_from_token(token, None)
    subscription.unsubscribed_at = timezone.now()
    subscription.save(update_fields=["unsubscribed_at"])
    return subscription


def unsubscribe_url(subscription: OpportunitySubscription) -> str:
    token = signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=SUBSCRIBE_SALT)
    return site_url(reverse("participation:subscription_cancel", kwargs={"token": token}))


def opportunities_announce(*, now: datetime | None = None) -> int:
    """E-mails confirmed subscribers, once, each newly open consultation and each upcoming
    public session. Returns the number of opportunities announced."""
    now = now or timezone.now()
    consultations = list(
        Consultation.objects.public().filter(
            announced_at__isnull=True, closes_at__gt=now, opens_at__lte=now + timedelta(days=7)
        )
    )
    sessions = list(
        ForumSession.objects.filter(
            is_public=True,
            announced_at__isnull=True,
            status=SessionStatus.PROGRAMADA,
            starts_at__gt=now,
            forum__is_published=True,
        ).select_related("forum")
    )
    if not consultations and not sessions:
        return 0
    lines = [
        _("Consulta pública: %(title)s (hasta el %(date)s) %(url)s")
        % {
            "title": c.title,
            "date": timezone.localtime(c.closes_at).strftime("%d/%m/%Y"),
            "url": site_url(c.get_absolute_url()),
        }
        for c in consultations
    ] + [
        _("Sesión pública: %(forum)s, «%(title)s», %(date)s %(url)s")
        % {
            "forum": s.forum.name,
            "title": s.title,
            "date": timezone.localtime(s.starts_at).strftime("%d/%m/%Y %H:%M"),
            "url": site_url(s.get_absolute_url()),
        }
        for s in sessions
    ]
    subscribers = OpportunitySubscription.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    )
    with transaction.atomic():
        for subscription in subscribers:
            _send_mail(
                _("[Ágora] Nuevas oportunidades de participación"),
                "\n".join(lines)
                + "\n\n"
                + _("Para dejar de recibir estos avisos: %(url)s")
                % {"url": unsubscribe_url(subscription)},
                [subscription.email],
            )
        Consultation.objects.filter(pk__in=[c.pk for c in consultations]).update(announced_at=now)
        ForumSession.objects.filter(pk__in=[s.pk for s in sessions]).update(announced_at=now)
    return len(lines)
