"""Multistakeholder forums (seats per stakeholder type, member organisations, representatives),
their sessions, attendance, minutes and agreements; public consultations with numbered
paragraphs, citizens' comments and the secretariat's answer to each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.core.models import CreatedAt, CreatedAtFeminine, DemoMarked

if TYPE_CHECKING:
    from agora.core.models import User


class StakeholderType(models.TextChoices):
    ESTADO = "estado", _("Estado")
    SOCIEDAD_CIVIL = "sociedad_civil", _("Sociedad civil")
    ACADEMIA = "academia", _("Academia")
    EMPRESARIAL = "sector_empresarial", _("Sector empresarial")
    COOPERACION = "cooperacion_internacional", _("Cooperación internacional")


class Scope(models.TextChoices):
    NACIONAL = "nacional", _("Nacional")
    REGIONAL = "regional", _("Regional")
    LOCAL = "local", _("Local")


class ForumStatus(models.TextChoices):
    PILOTO = "piloto", _("Piloto")
    ACTIVO = "activo", _("Activo")
    EVALUADO = "evaluado", _("Evaluado")
    CERRADO = "cerrado", _("Cerrado")


class VoteStatus(models.TextChoices):
    VOZ_Y_VOTO = "voz_y_voto", _("Voz y voto")
    OBSERVADOR = "observador", _("Observador")


class ForumQuerySet(models.QuerySet["Forum"]):
    def public(self) -> ForumQuerySet:
        return self.filter(is_published=True)


class Forum(DemoMarked, CreatedAt):
    """A multistakeholder forum of one priority sector, run by a rector secretariat."""

    slug = models.SlugField(_("identificador"), max_length=80, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    sector = models.CharField(_("sector"), max_length=120)
    scope = models.CharField(_("ámbito"), max_length=20, choices=Scope.choices)
    region = models.CharField(
        _("región o localidad"), max_length=120, blank=True, help_text=_("Si no es nacional.")
    )
    purpose = models.TextField(_("finalidad"))
    status = models.CharField(
        _("estado"), max_length=20, choices=ForumStatus.choices, default=ForumStatus.PILOTO
    )
    lead_entity = models.ForeignKey(
        "directory.Entity",
        verbose_name=_("entidad rectora del sector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forums",
    )
    secretariat = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("secretaría técnica"),
        blank=True,
        related_name="forums_as_secretariat",
        help_text=_("Personal del ente rector que administra el foro."),
    )
    commitments_reference = models.TextField(
        _("compromisos vinculados"),
        blank=True,
        help_text=_("Compromisos de Gobierno Abierto a los que responde el foro (referencia)."),
    )
    requirements = models.JSONField(
        _("requisitos de admisión"),
        default=list,
        blank=True,
        help_text=_("Lista de requisitos que toda organización debe acreditar para ingresar."),
    )
    term_months = models.PositiveSmallIntegerField(_("duración del mandato (meses)"), default=24)
    term_reminder_days = models.PositiveSmallIntegerField(
        _("aviso antes del fin del mandato (días)"), default=30
    )
    convocation_days = models.PositiveSmallIntegerField(
        _("anticipación de la convocatoria (días)"), default=7
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quórum (% de miembros con voto)"),
        default=50,
        help_text=_(
            "Hay quórum con más de este porcentaje de los miembros con voto: con 50, la mitad "
            "más uno. Entre 1 y 100 (100: todos)."
        ),
    )
    source = models.TextField(_("fuente"), blank=True)
    is_published = models.BooleanField(_("publicado"), default=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = ForumQuerySet.as_manager()

    class Meta:
        verbose_name = _("foro multiactor")
        verbose_name_plural = _("foros multiactor")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("participation:forum_detail", kwargs={"slug": self.slug})

    def current_memberships(self) -> models.QuerySet[ForumMembership]:
        """Members whose term covers today, with their organisation and vote status
        (``vote``: voz_y_voto or observador). Stable selector for other apps."""
        return ForumMembership.objects.current().filter(forum=self).select_related("organisation")

    def current_members(self) -> list[tuple[MemberOrganisation, str]]:
        """(organisation, vote status) for every current member."""
        return [(m.organisation, m.vote) for m in self.current_memberships()]

    def is_secretariat(self, user: User) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser:
            return True
        return bool(user.is_rector and self.secretariat.filter(pk=user.pk).exists())


class SeatRule(models.Model):
    """Minimum and maximum seats of one stakeholder type in a forum."""

    forum = models.ForeignKey(
        Forum, verbose_name=_("foro"), on_delete=models.CASCADE, related_name="seat_rules"
    )
    stakeholder_type = models.CharField(
        _("tipo de actor"), max_length=30, choices=StakeholderType.choices
    )
    min_seats = models.PositiveSmallIntegerField(_("mínimo de asientos"), default=0)
    max_seats = models.PositiveSmallIntegerField(_("máximo de asientos"), default=0)

    class Meta:
        verbose_name = _("regla de asientos")
        verbose_name_plural = _("reglas de asientos")
        ordering = ["forum", "stakeholder_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "stakeholder_type"], name="participation_seat_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(max_seats__gte=models.F("min_seats")),
                name="participation_seat_rule_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_stakeholder_type_display()
        return f"{self.forum} · {label} {self.min_seats}-{self.max_seats}"


class MemberOrganisation(DemoMarked, CreatedAt):
    """An organisation that is or wants to be a forum member."""

    name = models.CharField(_("nombre"), max_length=200)
    stakeholder_type = models.CharField(
        _("tipo de actor"), max_length=30, choices=StakeholderType.choices
    )
    entity = models.ForeignKey(
        "directory.Entity",
        verbose_name=_("entidad pública"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ruc = models.CharField(_("RUC"), max_length=11, blank=True)
    website = models.URLField(_("sitio web"), blank=True)
    description = models.TextField(_("descripción"), blank=True)

    class Meta:
        verbose_name = _("organización miembro")
        verbose_name_plural = _("organizaciones miembro")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AdmissionStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    ADMITIDA = "admitida", _("Admitida")
    RECHAZADA = "rechazada", _("Rechazada")


class AdmissionRequest(DemoMarked):
    """An organisation's request to join a forum, with the requirements it declares met."""

    forum = models.ForeignKey(
        Forum, verbose_name=_("foro"), on_delete=models.CASCADE, related_name="admission_requests"
    )
    organisation = models.ForeignKey(
        MemberOrganisation,
        verbose_name=_("organización"),
        on_delete=models.CASCADE,
        related_name="admission_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solicitado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    vote = models.CharField(
        _("participación solicitada"),
        max_length=20,
        choices=VoteStatus.choices,
        default=VoteStatus.VOZ_Y_VOTO,
    )
    checklist = models.JSONField(_("requisitos acreditados"), default=dict, blank=True)
    motivation = models.TextField(_("motivación"), blank=True)
    status = models.CharField(
        _("estado"),
        max_length=20,
        choices=AdmissionStatus.choices,
        default=AdmissionStatus.PENDIENTE,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decidido por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("fecha de decisión"), null=True, blank=True)
    decision_reason = models.TextField(_("motivo de la decisión"), blank=True)
    created_at = models.DateTimeField(_("fecha de solicitud"), auto_now_add=True)

    class Meta:
        verbose_name = _("solicitud de admisión")
        verbose_name_plural = _("solicitudes de admisión")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.forum}"


class AdmissionDocument(models.Model):
    """A supporting document attached to an admission request."""

    request = models.ForeignKey(
        AdmissionRequest,
        verbose_name=_("solicitud"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    title = models.CharField(_("título"), max_length=200)
    file = models.FileField(_("archivo"), upload_to="participation/admission/%Y/%m/")
    uploaded_at = models.DateTimeField(_("subido"), auto_now_add=True)

    class Meta:
        verbose_name = _("documento de admisión")
        verbose_name_plural = _("documentos de admisión")

    def __str__(self) -> str:
        return self.title


class ForumMembershipQuerySet(models.QuerySet["ForumMembership"]):
    def current(self, on: object = None) -> ForumMembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(ended_at__isnull=True, term_start__lte=day, term_end__gte=day)

    def voting(self) -> ForumMembershipQuerySet:
        return self.filter(vote=VoteStatus.VOZ_Y_VOTO)


class ForumMembership(DemoMarked, CreatedAt):
    """An organisation's seat in a forum for one term, with voice and vote or as observer."""

    forum = models.ForeignKey(
        Forum, verbose_name=_("foro"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        MemberOrganisation,
        verbose_name=_("organización"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    stakeholder_type = models.CharField(
        _("tipo de actor"), max_length=30, choices=StakeholderType.choices
    )
    vote = models.CharField(
        _("participación"), max_length=20, choices=VoteStatus.choices, default=VoteStatus.VOZ_Y_VOTO
    )
    admission = models.OneToOneField(
        AdmissionRequest,
        verbose_name=_("solicitud de admisión"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="membership",
    )
    term_start = models.DateField(_("inicio del mandato"))
    term_end = models.DateField(_("fin del mandato"))
    term_reminder_sent_at = models.DateTimeField(
        _("aviso de fin de mandato enviado"), null=True, blank=True
    )
    ended_at = models.DateField(_("fecha de retiro"), null=True, blank=True)
    end_reason = models.TextField(_("motivo del retiro"), blank=True)

    objects = ForumMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membresía en foro")
        verbose_name_plural = _("membresías en foro")
        ordering = ["forum", "stakeholder_type", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "organisation"],
                condition=Q(ended_at__isnull=True),
                name="participation_one_open_membership",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")),
                name="participation_membership_term_order",
            ),
        ]
        indexes = [models.Index(fields=["forum", "term_end"])]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.forum}"

    @property
    def has_vote(self) -> bool:
        return self.vote == VoteStatus.VOZ_Y_VOTO


class RepresentativeRole(models.TextChoices):
    TITULAR = "titular", _("Titular")
    ALTERNO = "alterno", _("Alterno")


class Representative(DemoMarked):
    """A person who speaks for a member organisation in a forum (titular or alterno)."""

    membership = models.ForeignKey(
        ForumMembership,
        verbose_name=_("membresía"),
        on_delete=models.CASCADE,
        related_name="representatives",
    )
    role = models.CharField(_("rol"), max_length=10, choices=RepresentativeRole.choices)
    full_name = models.CharField(_("nombre completo"), max_length=200)
    position = models.CharField(_("cargo"), max_length=200, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_representations",
    )
    is_active = models.BooleanField(_("vigente"), default=True)

    class Meta:
        verbose_name = _("representante")
        verbose_name_plural = _("representantes")
        ordering = ["membership", "role", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "role"],
                condition=Q(is_active=True),
                name="participation_one_active_representative_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"


# --- Sessions, attendance, minutes ---------------------------------------------------------


class SessionStatus(models.TextChoices):
    PROGRAMADA = "programada", _("Programada")
    REALIZADA = "realizada", _("Realizada")
    CANCELADA = "cancelada", _("Cancelada")


class MinutesStatus(models.TextChoices):
    SIN_ACTA = "sin_acta", _("Sin acta")
    BORRADOR = "borrador", _("Borrador")
    APROBADA = "aprobada", _("Aprobada")
    PUBLICADA = "publicada", _("Publicada")


class ForumSession(DemoMarked, CreatedAt):
    """A meeting of a forum: agenda, convocation, attendance, quorum and minutes."""

    forum = models.ForeignKey(
        Forum, verbose_name=_("foro"), on_delete=models.CASCADE, related_name="sessions"
    )
    number = models.PositiveIntegerField(_("número"))
    title = models.CharField(_("título"), max_length=200)
    starts_at = models.DateTimeField(_("inicio"))
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lugar o enlace"), max_length=300, blank=True)
    is_public = models.BooleanField(_("sesión pública"), default=True)
    agenda = models.TextField(_("agenda"), help_text=_("En Markdown."))
    convocation_days = models.PositiveSmallIntegerField(
        _("anticipación de la convocatoria (días)"), default=7
    )
    convocation_sent_at = models.DateTimeField(_("convocatoria enviada"), null=True, blank=True)
    announced_at = models.DateTimeField(_("anunciada a suscriptores"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.PROGRAMADA
    )
    quorum_required = models.PositiveSmallIntegerField(_("quórum requerido"), null=True, blank=True)
    is_valid = models.BooleanField(_("sesión válida (con quórum)"), null=True, blank=True)
    minutes_md = models.TextField(_("acta (Markdown)"), blank=True)
    minutes_status = models.CharField(
        _("estado del acta"),
        max_length=20,
        choices=MinutesStatus.choices,
        default=MinutesStatus.SIN_ACTA,
    )
    minutes_approved_at = models.DateTimeField(_("acta aprobada"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(_("acta publicada"), null=True, blank=True)

    class Meta:
        verbose_name = _("sesión")
        verbose_name_plural = _("sesiones")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "number"], name="participation_session_number_unique"
            )
        ]
        indexes = [models.Index(fields=["is_public", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.forum} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "participation:session_detail", kwargs={"slug": self.forum.slug, "number": self.number}
        )


class Attendance(models.Model):
    """Whether a member organisation attended a session, and through whom."""

    session = models.ForeignKey(
        ForumSession, verbose_name=_("sesión"), on_delete=models.CASCADE, related_name="attendance"
    )
    membership = models.ForeignKey(
        ForumMembership,
        verbose_name=_("membresía"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    representative = models.ForeignKey(
        Representative,
        verbose_name=_("representante"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    present = models.BooleanField(_("asistió"), default=False)

    class Meta:
        verbose_name = _("asistencia")
        verbose_name_plural = _("asistencias")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "membership"], name="participation_attendance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.membership.organisation}"


# --- Agreements ----------------------------------------------------------------------------


class AgreementStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    EN_CURSO = "en_curso", _("En curso")
    CUMPLIDO = "cumplido", _("Cumplido")
    INCUMPLIDO = "incumplido", _("Incumplido")


class DecisionKind(models.TextChoices):
    NINGUNA = "", _("Sin decisión vinculada")
    NORMA = "norma", _("Norma")
    RESOLUCION = "resolucion", _("Resolución")
    DOCUMENTO = "documento", _("Documento")


class DecisionDirection(models.TextChoices):
    """How the agreement and the government decision are linked."""

    SIN_INDICAR = "", _("Sin indicar")
    DERIVA_DE = "deriva_de", _("El acuerdo proviene de la decisión")
    CONDUCE_A = "conduce_a", _("El acuerdo conduce a la decisión")


class Agreement(DemoMarked, CreatedAt):
    """An agreement of a forum, who must fulfil it, by when, and the government decision
    it leads to or comes from."""

    forum = models.ForeignKey(
        Forum, verbose_name=_("foro"), on_delete=models.CASCADE, related_name="agreements"
    )
    session = models.ForeignKey(
        ForumSession,
        verbose_name=_("sesión"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
    )
    number = models.PositiveIntegerField(_("número"))
    text = models.TextField(_("acuerdo"))
    responsible = models.CharField(
        _("responsable"),
        max_length=200,
        blank=True,
        help_text=_("Persona o unidad responsable; puede quedar vacío si se indica la entidad."),
    )
    responsible_entity = models.ForeignKey(
        "directory.Entity",
        verbose_name=_("entidad responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("fecha límite"))
    status = models.CharField(
        _("estado"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.PENDIENTE,
    )
    fulfilled_on = models.DateField(_("cumplido el"), null=True, blank=True)
    decision_kind = models.CharField(
        _("tipo de decisión"), max_length=20, choices=DecisionKind.choices, blank=True, default=""
    )
    decision_direction = models.CharField(
        _("relación con la decisión"),
        max_length=20,
        choices=DecisionDirection.choices,
        blank=True,
        default="",
    )
    decision_reference = models.CharField(
        _("decisión de gobierno"),
        max_length=300,
        blank=True,
        help_text=_("Por ejemplo: Resolución Ministerial N.° 123-2026-MINAM."),
    )
    decision_url = models.URLField(_("enlace a la decisión"), blank=True)
    is_public = models.BooleanField(_("público"), default=True)
    overdue_reminded_on = models.DateField(_("último aviso de vencimiento"), null=True, blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("acuerdo")
        verbose_name_plural = _("acuerdos")
        ordering = ["forum", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "number"], name="participation_agreement_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.forum} · acuerdo {self.number}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status
            in (
                AgreementStatus.PENDIENTE,
                AgreementStatus.EN_CURSO,
            )
            and self.due_date < timezone.localdate()
        )


# --- Public consultations ------------------------------------------------------------------


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def public(self) -> ConsultationQuerySet:
        return self.filter(is_published=True)


class Consultation(DemoMarked, CreatedAtFeminine):
    """A document put to public consultation between two dates."""

    forum = models.ForeignKey(
        Forum,
        verbose_name=_("foro"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    slug = models.SlugField(_("identificador"), max_length=80, unique=True)
    title = models.CharField(_("título"), max_length=250)
    summary = models.TextField(_("resumen"), blank=True)
    opens_at = models.DateTimeField(_("apertura"))
    closes_at = models.DateTimeField(_("cierre"))
    is_published = models.BooleanField(_("publicada"), default=False)
    announced_at = models.DateTimeField(_("anunciada a suscriptores"), null=True, blank=True)
    comments_revision = models.PositiveIntegerField(
        _("revisión de los comentarios"),
        default=0,
        help_text=_("Aumenta con cada comentario, moderación o respuesta (claves de caché)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consulta pública")
        verbose_name_plural = _("consultas públicas")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="participation_consultation_dates_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:consultation_detail", kwargs={"slug": self.slug})

    def is_open(self, at: object = None) -> bool:
        moment = at or timezone.now()
        return bool(self.is_published and self.opens_at <= moment < self.closes_at)  # type: ignore[operator]

    def is_closed(self, at: object = None) -> bool:
        moment = at or timezone.now()
        return bool(moment >= self.closes_at)  # type: ignore[operator]


class DocumentVersion(CreatedAtFeminine):
    """One version of the consulted document, imported from Markdown."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consulta"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("versión"))
    source_md = models.TextField(_("texto (Markdown)"))
    change_note = models.TextField(_("nota de cambios"), blank=True)

    class Meta:
        verbose_name = _("versión del documento")
        verbose_name_plural = _("versiones del documento")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="participation_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} v{self.number}"


class Section(models.Model):
    version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("versión"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    number = models.PositiveSmallIntegerField(_("número"))
    title = models.CharField(_("título"), max_length=300)

    class Meta:
        verbose_name = _("sección")
        verbose_name_plural = _("secciones")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="participation_section_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Paragraph(models.Model):
    """A numbered paragraph ("2.3" = third paragraph of section 2)."""

    version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("versión"),
        on_delete=models.CASCADE,
        related_name="paragraphs",
    )
    section = models.ForeignKey(
        Section, verbose_name=_("sección"), on_delete=models.CASCADE, related_name="paragraphs"
    )
    position = models.PositiveIntegerField(_("posición"))
    label = models.CharField(_("numeración"), max_length=20)
    text = models.TextField(_("texto"))

    class Meta:
        verbose_name = _("párrafo")
        verbose_name_plural = _("párrafos")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="participation_paragraph_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class CommentStatus(models.TextChoices):
    PUBLICADO = "publicado", _("Publicado")
    EN_REVISION = "en_revision", _("En revisión")
    OCULTO = "oculto", _("Oculto")


class AnswerOutcome(models.TextChoices):
    ACOGIDO = "acogido", _("Acogido")
    PARCIAL = "acogido_parcialmente", _("Acogido parcialmente")
    NO_ACOGIDO = "no_acogido", _("No acogido")


class Comment(DemoMarked):
    """A citizen's comment on one paragraph or on the whole document, and the
    secretariat's answer to it."""

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="comments"
    )
    version = models.ForeignKey(
        DocumentVersion, verbose_name=_("versión"), on_delete=models.CASCADE, related_name="+"
    )
    paragraph = models.ForeignKey(
        Paragraph,
        verbose_name=_("párrafo"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text=_("Vacío: comentario sobre el documento completo."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("autor"),
        on_delete=models.CASCADE,
        related_name="consultation_comments",
    )
    author_label = models.CharField(_("firma pública"), max_length=80)
    body = models.TextField(_("comentario"))
    created_at = models.DateTimeField(_("fecha"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("estado"), max_length=20, choices=CommentStatus.choices, default=CommentStatus.PUBLICADO
    )
    flags = models.JSONField(_("alertas"), default=list, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderado el"), null=True, blank=True)
    moderation_reason = models.TextField(_("motivo de moderación"), blank=True)
    answer_outcome = models.CharField(
        _("respuesta"), max_length=30, choices=AnswerOutcome.choices, blank=True
    )
    answer_reason = models.TextField(_("fundamento de la respuesta"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("respondido por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("respondido el"), null=True, blank=True)

    class Meta:
        verbose_name = _("comentario")
        verbose_name_plural = _("comentarios")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["consultation", "status", "paragraph"]),
            models.Index(fields=["consultation", "created_at"]),
            models.Index(
                fields=["consultation", "paragraph", "created_at", "id"],
                name="participation_comment_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_label}: {self.body[:60]}"


# --- Citizens and subscriptions ------------------------------------------------------------


class CitizenVerification(models.Model):
    """A citizen's self-registration and when their e-mail address was verified."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="citizen_verification",
    )
    email = models.EmailField(_("correo electrónico"))
    verified_at = models.DateTimeField(_("verificado el"), null=True, blank=True)
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("verificación de ciudadano")
        verbose_name_plural = _("verificaciones de ciudadanos")

    def __str__(self) -> str:
        return self.email


class OpportunitySubscription(CreatedAtFeminine):
    """An e-mail address that wants to hear about new participation opportunities."""

    email = models.EmailField(_("correo electrónico"), unique=True)
    confirmed_at = models.DateTimeField(_("confirmada el"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("dada de baja el"), null=True, blank=True)

    class Meta:
        verbose_name = _("suscripción a oportunidades")
        verbose_name_plural = _("suscripciones a oportunidades")

    def __str__(self) -> str:
        return self.email
