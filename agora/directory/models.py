"""Public entities (Popolo organizations), their official social-network accounts, the
people who work for them, and anonymous visit counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.core.crypto import EncryptedTextField
from agora.core.models import CreatedAt, DemoMarked
from agora.core.text import fold

if TYPE_CHECKING:
    from agora.core.models import User


class Branch(models.TextChoices):
    EJECUTIVO = "ejecutivo", _("Poder Ejecutivo")
    LEGISLATIVO = "legislativo", _("Poder Legislativo")
    JUDICIAL = "judicial", _("Poder Judicial")
    AUTONOMO = "autonomo", _("Organismo Constitucional Autónomo")
    REGIONAL = "gobierno_regional", _("Gobierno Regional")
    LOCAL = "gobierno_local", _("Gobierno Local")


class Level(models.TextChoices):
    NACIONAL = "nacional", _("Nacional")
    REGIONAL = "regional", _("Regional")
    LOCAL = "local", _("Local")


class EntityType(models.TextChoices):
    PRESIDENCIA = "presidencia", _("Presidencia del Consejo de Ministros")
    MINISTERIO = "ministerio", _("Ministerio")
    OPE = "organismo_publico_ejecutor", _("Organismo público ejecutor")
    OTE = "organismo_tecnico_especializado", _("Organismo técnico especializado")
    REGULADOR = "organismo_regulador", _("Organismo regulador")
    PROGRAMA = "programa", _("Programa nacional")
    LEGISLATIVO = "poder_legislativo", _("Poder Legislativo")
    JUDICIAL = "poder_judicial", _("Poder Judicial")
    AUTONOMO = "organismo_autonomo", _("Organismo constitucional autónomo")
    GOBIERNO_REGIONAL = "gobierno_regional", _("Gobierno regional")
    MUNI_PROVINCIAL = "municipalidad_provincial", _("Municipalidad provincial")
    MUNI_DISTRITAL = "municipalidad_distrital", _("Municipalidad distrital")
    OTRO = "otro", _("Otro")


class Platform(models.TextChoices):
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    X = "x", _("X (antes Twitter)")
    YOUTUBE = "youtube", _("YouTube")
    TIKTOK = "tiktok", _("TikTok")
    LINKEDIN = "linkedin", _("LinkedIn")
    WHATSAPP = "whatsapp", _("WhatsApp")
    OTHER = "other", _("Otra")


class AccountStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente de verificación")
    VERIFICADA = "verificada", _("Verificada")
    RECHAZADA = "rechazada", _("Rechazada")
    SUSPENDIDA = "suspendida", _("Suspendida")
    RETIRADA = "retirada", _("Retirada")


class EntityQuerySet(models.QuerySet["Entity"]):
    def for_staff(self, user: User) -> EntityQuerySet:
        """The entities a signed-in person works for; every entity for rector staff."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_rector or user.is_superuser:
            return self.all()
        return self.filter(memberships__in=Membership.objects.active().filter(user=user)).distinct()


class Entity(CreatedAt):
    """A public entity of the Peruvian State (a Popolo organization)."""

    code = models.SlugField(_("código"), max_length=32, unique=True)
    name = models.CharField(_("nombre"), max_length=255)
    acronym = models.CharField(_("siglas"), max_length=40, blank=True)
    branch = models.CharField(_("poder u organismo"), max_length=24, choices=Branch.choices)
    level = models.CharField(_("nivel de gobierno"), max_length=10, choices=Level.choices)
    entity_type = models.CharField(_("tipo"), max_length=40, choices=EntityType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("sector o entidad superior"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    department_code = models.CharField(_("código de departamento"), max_length=2, blank=True)
    department = models.CharField(_("departamento"), max_length=40, blank=True)
    province = models.CharField(_("provincia"), max_length=60, blank=True)
    ubigeo = models.CharField(_("ubigeo INEI"), max_length=6, blank=True, db_index=True)
    website = models.URLField(_("sitio web"), blank=True)
    description = models.TextField(_("descripción"), blank=True)
    functions = models.TextField(_("funciones"), blank=True, help_text=_("Una por línea."))
    source = models.TextField(_("fuente de los datos"), blank=True)
    # Kept by the services on every account status change, so lists need no join.
    verified_count = models.PositiveIntegerField(
        _("cuentas verificadas"), default=0, editable=False
    )
    search_text = models.TextField(editable=False, db_index=False)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name = _("entidad")
        verbose_name_plural = _("entidades")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["level", "branch"]),
            models.Index(fields=["department_code"]),
            models.Index(fields=["entity_type"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("directory:entity", kwargs={"code": self.code})

    def build_search_text(self) -> str:
        """What a search matches: name, acronym, code, province and department, folded."""
        return fold(" ".join([self.name, self.acronym, self.code, self.province, self.department]))

    @property
    def function_list(self) -> list[str]:
        return [line.strip() for line in self.functions.splitlines() if line.strip()]


# Account ids on the platforms are short (X and Facebook: up to ~20 digits, YouTube
# channels: 24 characters); generous room, since a cut id never matches a webhook again.
PLATFORM_ACCOUNT_ID_MAX = 255


class SocialAccountQuerySet(models.QuerySet["SocialAccount"]):
    def verified(self) -> SocialAccountQuerySet:
        return self.filter(status=AccountStatus.VERIFICADA)

    def for_staff(self, user: User) -> SocialAccountQuerySet:
        return self.filter(entity__in=Entity.objects.for_staff(user))


class SocialAccount(DemoMarked):
    """An account on a social network that claims to speak for an entity."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="accounts"
    )
    platform = models.CharField(_("plataforma"), max_length=12, choices=Platform.choices)
    handle = models.CharField(_("nombre de usuario"), max_length=150)
    handle_key = models.CharField(max_length=150, editable=False)
    url = models.URLField(_("dirección (URL)"), max_length=500)
    # Kept whole: a longer id is refused (agora/directory/services.py), never cut.
    platform_id = models.CharField(
        _("id en la plataforma"), max_length=PLATFORM_ACCOUNT_ID_MAX, blank=True
    )
    status = models.CharField(
        _("estado"), max_length=12, choices=AccountStatus.choices, default=AccountStatus.PENDIENTE
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("propuesta por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verificada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verificada el"), null=True, blank=True)
    evidence = models.TextField(_("evidencia"), blank=True)
    status_reason = models.TextField(_("motivo del estado"), blank=True)
    created_at = models.DateTimeField(_("registrada"), default=timezone.now)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    objects = SocialAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("cuenta en redes sociales")
        verbose_name_plural = _("cuentas en redes sociales")
        ordering = ["entity__name", "platform", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle_key"], name="directory_account_unique_handle"
            )
        ]
        indexes = [
            models.Index(fields=["status", "platform"]),
            models.Index(fields=["handle_key"]),
            models.Index(fields=["platform", "platform_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.display_handle}"

    @property
    def display_handle(self) -> str:
        if self.platform in {Platform.OTHER, Platform.WHATSAPP} or self.handle.startswith("@"):
            return self.handle
        return f"@{self.handle}"


class MembershipRole(models.TextChoices):
    GESTOR = "gestor", _("Responsable de comunicaciones")
    COMUNICADOR = "comunicador", _("Comunicador")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)


class Membership(models.Model):
    """A person's role in one entity: manager (gestor) or communicator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=12, choices=MembershipRole.choices)
    started_at = models.DateTimeField(_("desde"), default=timezone.now)
    ended_at = models.DateTimeField(_("hasta"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entity"],
                condition=Q(ended_at__isnull=True),
                name="directory_one_active_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.entity.code} ({self.get_role_display()})"


class VisitCount(models.Model):
    """Page views per page and day. Nothing about the visitor is stored."""

    key = models.CharField(_("página"), max_length=64)
    day = models.DateField(_("día"))
    count = models.PositiveBigIntegerField(_("visitas"), default=0)

    class Meta:
        verbose_name = _("contador de visitas")
        verbose_name_plural = _("contadores de visitas")
        constraints = [
            models.UniqueConstraint(fields=["key", "day"], name="directory_visit_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.day}: {self.count}"


class DirectoryRevision(models.Model):
    """A counter bumped by every write to the directory; cached pages are keyed on it."""

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("revisión del directorio")
        verbose_name_plural = _("revisiones del directorio")

    def __str__(self) -> str:
        return str(self.number)


class FakeReportStatus(models.TextChoices):
    RECIBIDO = "recibido", _("Recibido")
    EN_REVISION = "en_revision", _("En revisión")
    CONFIRMADA = "confirmada_falsa", _("Confirmada falsa")
    DESCARTADA = "descartada", _("Descartada")


FAKE_REPORT_OPEN = (FakeReportStatus.RECIBIDO, FakeReportStatus.EN_REVISION)
FAKE_REPORT_DECIDED = (FakeReportStatus.CONFIRMADA, FakeReportStatus.DESCARTADA)


class FakeAccountReportQuerySet(models.QuerySet["FakeAccountReport"]):
    def decided(self) -> FakeAccountReportQuerySet:
        return self.filter(status__in=FAKE_REPORT_DECIDED)

    def open(self) -> FakeAccountReportQuerySet:
        return self.filter(status__in=FAKE_REPORT_OPEN)


class FakeAccountReport(DemoMarked):
    """A citizen's report that an account impersonates a public entity, and the rector's
    decision. The account, the entity, the decision and its public reason are published once
    decided; the description and the contact address never are (Ley 29733)."""

    reported_url = models.CharField(_("cuenta reportada"), max_length=500)
    platform = models.CharField(
        _("plataforma"), max_length=12, choices=Platform.choices, blank=True
    )
    handle = models.CharField(_("nombre de usuario"), max_length=150, blank=True)
    # Empty when the URL names no account (a share link): the rector resolves it.
    handle_key = models.CharField(max_length=150, blank=True, db_index=True, editable=False)
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entidad suplantada"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fake_reports",
    )
    entity_text = models.CharField(
        _("entidad indicada por quien reporta"), max_length=200, blank=True
    )
    evidence_url = models.URLField(_("enlace de evidencia"), max_length=500, blank=True)
    description = EncryptedTextField(_("descripción"))
    contact_email = EncryptedTextField(_("correo de contacto"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reportado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A keyed hash of the client's address, only to throttle: the address itself is not kept.
    client_hash = models.CharField(max_length=64, editable=False, db_index=True)
    status = models.CharField(
        _("estado"),
        max_length=20,
        choices=FakeReportStatus.choices,
        default=FakeReportStatus.RECIBIDO,
    )
    public_reason = models.TextField(_("motivo público de la decisión"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decidido por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decidido el"), null=True, blank=True)
    created_at = models.DateTimeField(_("recibido el"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = FakeAccountReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporte de cuenta falsa")
        verbose_name_plural = _("reportes de cuentas falsas")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "decided_at"]),
            models.Index(fields=["platform", "handle_key", "status"]),
        ]

    def __str__(self) -> str:
        return _("Reporte n.º %(number)s: %(account)s") % {
            "number": self.pk,
            "account": self.display_account,
        }

    @property
    def display_account(self) -> str:
        if (
            self.handle
            and not self.handle.isdigit()
            and self.platform
            and self.platform != Platform.OTHER
        ):
            label = dict(Platform.choices).get(self.platform, self.platform)
            handle = self.handle if self.handle.startswith("@") else f"@{self.handle}"
            return f"{label} {handle}"
        return self.reported_url

    @property
    def is_decided(self) -> bool:
        return self.status in FAKE_REPORT_DECIDED
