"""Citizen accounts: registration and the link that verifies the e-mail address."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.siteurl import site_url
from agora.participation.models import CitizenVerification
from agora.participation.services._common import TOKEN_MAX_AGE, _send_mail

VERIFY_SALT = "agora.participation.citizen"


@transaction.atomic
def citizen_register(
    *, email: str, password: str, password_confirm: str, next_url: str = ""
) -> User | None:
    """Creates a citizen account (no staff role, no second factor) and sends the link that
    verifies the e-mail address; the link carries ``next_url``, the page the citizen came
    from, to take them back there.

    An address that already has an account gets, instead, an e-mail saying so with the way
    to recover the password, and the caller gets ``None``: the page answers the same either
    way, so nobody learns from it whether someone has an account (Ley 29733)."""
    from django.contrib.auth.password_validation import validate_password

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(_("Escriba un correo electrónico válido.")) from exc
    if password != password_confirm:
        raise DomainError(_("Las contraseñas no coinciden."))
    user = User(username=email, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        _send_mail(
            _("[Ágora] Ya tiene una cuenta con este correo"),
            _(
                "Alguien (probablemente usted) intentó crear una cuenta en Ágora con este "
                "correo, pero ya tiene una. Si olvidó su contraseña, elija una nueva aquí:"
            )
            + "\n\n"
            + site_url(reverse("account:password_reset"))
            + "\n\n"
            + _("Si no fue usted, ignore este mensaje: su cuenta no cambia."),
            [email],
        )
        return None
    user.set_password(password)
    try:
        user.save()
    except IntegrityError as exc:  # pragma: no cover - concurrent registration
        raise DomainError(_("Ya existe una cuenta con ese correo.")) from exc
    CitizenVerification.objects.create(user=user, email=email)
    audit_record(actor=user, verb="ciudadano.registrado", instance=user)
    citizen_verification_send(user=user, next_url=next_url)
    return user


def citizen_verification_send(*, user: User, next_url: str = "") -> None:
    payload: dict[str, Any] = {"u": user.pk, "e": user.email}
    if next_url.startswith("/") and not next_url.startswith("//"):
        payload["n"] = next_url[:500]
    token = signing.dumps(payload, salt=VERIFY_SALT)
    url = site_url(reverse("participation:verify", kwargs={"token": token}))
    _send_mail(
        _("[Ágora] Verifique su correo electrónico"),
        _("Para comentar en las consultas públicas de Ágora, abra este enlace (vale 3 días):")
        + f"\n\n{url}\n",
        [user.email],
    )


@transaction.atomic
def citizen_verify(*, token: str) -> User:
    return citizen_verify_first(token=token)[0]


@transaction.atomic
def citizen_verify_first(*, token: str) -> tuple[User, bool]:
    """Verifies the address of the link; says whether this was the first time (a link that
    already verified is not a way in: the page then asks to sign in)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DomainError(
            _("El enlace venció. Ingrese y pida uno nuevo en «Mis datos» o al comentar.")
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(_("El enlace de verificación no es válido.")) from exc
    verification = (
        CitizenVerification.objects.select_for_update()
        .select_related("user")
        .filter(user_id=data.get("u"), email=data.get("e"))
        .first()
    )
    if verification is None or not verification.user.is_active:
        raise DomainError(_("El enlace de verificación no es válido."))
    if verification.verified_at is not None:
        return verification.user, False
    verification.verified_at = timezone.now()
    verification.save(update_fields=["verified_at"])
    audit_record(actor=verification.user, verb="ciudadano.verificado", instance=verification)
    return verification.user, True


def citizen_verification_next(*, token: str) -> str:
    """The page a verification link takes the citizen back to ("" if none or not valid)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return ""
    return str(data.get("n") or "")
