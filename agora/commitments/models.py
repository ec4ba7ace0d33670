"""Open-government action plans: workshops, proposals, SMART scores, commitments, milestones,
updates from the responsible entities and the independent review (OGP's IRM)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agora.core.models import CreatedAt, CreatedAtFeminine, DemoMarked


class PlanStatus(models.TextChoices):
    COCREACION = "cocreacion", _("En cocreación")
    IMPLEMENTACION = "implementacion", _("En implementación")
    CERRADO = "cerrado", _("Cerrado")


class OrganisationType(models.TextChoices):
    ENTIDAD_PUBLICA = "entidad_publica", _("Entidades públicas")
    SOCIEDAD_CIVIL = "sociedad_civil", _("Organizaciones de la sociedad civil")
    GREMIO_EMPRESARIAL = "gremio_empresarial", _("Gremios empresariales")
    UNIVERSIDAD = "universidad", _("Universidades")
    COLEGIO_PROFESIONAL = "colegio_profesional", _("Colegios profesionales")


class OgpValue(models.TextChoices):
    TRANSPARENCIA = "transparencia", _("Transparencia")
    PARTICIPACION = "participacion_ciudadana", _("Participación ciudadana")
    RENDICION = "rendicion_de_cuentas", _("Rendición de cuentas")
    TECNOLOGIA = "tecnologia_e_innovacion", _("Tecnología e innovación")


class SmartCriterion(models.TextChoices):
    ESPECIFICO = "especifico", _("Específico")
    MEDIBLE = "medible", _("Medible")
    ASEQUIBLE = "asequible", _("Asequible")
    RELEVANTE = "relevante", _("Relevante")
    OPORTUNO = "oportuno", _("Oportuno")


# The rubric of seed 001's footnote 2: each criterion scores one point per descriptor the
# proposal meets, so a criterion's score runs from 0 to the number of its descriptors.
SMART_RUBRIC: dict[str, list[Any]] = {
    SmartCriterion.ESPECIFICO: [
        _("Describe con precisión el problema que trata de resolver."),
        _("Describe las actividades que se realizarán."),
        _("Describe los resultados esperados."),
    ],
    SmartCriterion.MEDIBLE: [
        _("Está dividido en hitos claros y medibles."),
        _("Incluye indicadores que permiten verificar el cumplimiento y las mejoras generadas."),
    ],
    SmartCriterion.ASEQUIBLE: [
        _("Especifica la entidad responsable de la implementación."),
        _("Especifica los organismos de apoyo o coordinación."),
        _(
            "Especifica qué otros actores participarán (sociedad civil, organismos "
            "multilaterales o sector privado)."
        ),
    ],
    SmartCriterion.RELEVANTE: [
        _(
            "Establece su relación con al menos un principio de gobierno abierto: transparencia, "
            "rendición de cuentas, participación pública, tecnología e innovación."
        ),
    ],
    SmartCriterion.OPORTUNO: [
        _(
            "Establece la fecha en que se completará, las fechas de los hitos y cualquier otro "
            "plazo pertinente."
        ),
    ],
}
SMART_MAX_TOTAL = sum(len(items) for items in SMART_RUBRIC.values())


class ActionPlan(DemoMarked, CreatedAt):
    """One national action plan of the Open Government Partnership (a "cycle")."""

    cycle = models.PositiveSmallIntegerField(_("ciclo"), unique=True)
    title = models.CharField(_("título"), max_length=200)
    period_start = models.PositiveSmallIntegerField(_("año de inicio"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("año de término"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.COCREACION
    )
    description = models.TextField(_("descripción"), blank=True)
    selection_cap = models.PositiveSmallIntegerField(
        _("máximo de compromisos seleccionados"), default=20
    )
    commission = models.ForeignKey(
        "participation.Forum",
        verbose_name=_("comisión de seguimiento"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_plans",
        help_text=_(
            "Foro multiactor cuyos miembros (con voz y voto, u observadores) siguen el plan."
        ),
    )
    commission_reference = models.CharField(
        _("norma de la comisión"),
        max_length=255,
        blank=True,
        help_text=_("Norma o nombre de la comisión multisectorial que sigue el plan."),
    )
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluadores"),
        blank=True,
        related_name="evaluated_plans",
    )
    source = models.TextField(_("fuente"), blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("plan de acción")
        verbose_name_plural = _("planes de acción")
        ordering = ["-cycle"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("commitments:plan", kwargs={"cycle": self.cycle})

    @property
    def period_label(self) -> str:
        if self.period_start and self.period_end:
            return f"{self.period_start}–{self.period_end}"
        return ""


class Workshop(DemoMarked):
    """A co-creation workshop where participants drafted commitment proposals."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="workshops"
    )
    label = models.CharField(_("identificador"), max_length=80)
    place = models.CharField(_("lugar"), max_length=120)
    date = models.DateField(_("fecha"), null=True, blank=True)
    date_text = models.CharField(
        _("fecha según la fuente"), max_length=60, blank=True, help_text=_("Tal como la publica.")
    )
    people = models.PositiveIntegerField(_("personas participantes"), null=True, blank=True)
    notes = models.TextField(_("notas"), blank=True)

    class Meta:
        verbose_name = _("taller")
        verbose_name_plural = _("talleres")
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "label"], name="commitments_workshop_label")
        ]

    def __str__(self) -> str:
        return f"{self.place} ({self.date_text or self.date or ''})"


class WorkshopParticipation(models.Model):
    """How many organisations of one type took part in a workshop."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("taller"), on_delete=models.CASCADE, related_name="participation"
    )
    organisation_type = models.CharField(
        _("tipo de organización"), max_length=24, choices=OrganisationType.choices
    )
    count = models.PositiveIntegerField(_("número de organizaciones"))

    class Meta:
        verbose_name = _("participación en taller")
        verbose_name_plural = _("participación en talleres")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "organisation_type"], name="commitments_participation_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.workshop}: {self.get_organisation_type_display()} {self.count}"


class ProposalSource(models.TextChoices):
    TALLER = "taller", _("Taller participativo")
    ENTIDAD = "entidad", _("Propuesta de una entidad u organización")


class Proposal(DemoMarked, CreatedAtFeminine):
    """A proposed commitment, from a workshop or sent in by an entity or organisation."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="proposals"
    )
    title = models.CharField(_("título"), max_length=300)
    description = models.TextField(_("descripción"), blank=True)
    source = models.CharField(_("origen"), max_length=10, choices=ProposalSource.choices)
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("taller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    entity = models.ForeignKey(
        "directory.Entity",
        verbose_name=_("entidad proponente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitment_proposals",
    )
    submitter_name = models.CharField(
        _("organización proponente"),
        max_length=200,
        blank=True,
        help_text=_("Cuando quien propone no es una entidad del directorio."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("agrupada en"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    selected = models.BooleanField(_("seleccionada"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("propuesta de compromiso")
        verbose_name_plural = _("propuestas de compromiso")
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def proposer(self) -> str:
        if self.workshop_id:
            return str(self.workshop)
        if self.entity_id:
            return str(self.entity)
        return self.submitter_name


class GroupStatus(models.TextChoices):
    SUGERIDA = "sugerida", _("Sugerida")
    CONFIRMADA = "confirmada", _("Confirmada")
    DESCARTADA = "descartada", _("Descartada")


class ProposalGroup(CreatedAtFeminine):
    """Proposals that say the same thing: suggested by text similarity, confirmed by staff.
    Confirming keeps the representative and merges the others into it."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="groups"
    )
    representative = models.ForeignKey(
        Proposal,
        verbose_name=_("propuesta representativa"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    proposals = models.ManyToManyField(
        Proposal, verbose_name=_("propuestas"), related_name="groups"
    )
    similarity = models.FloatField(_("similitud mínima"), default=0)
    status = models.CharField(
        _("estado"), max_length=12, choices=GroupStatus.choices, default=GroupStatus.SUGERIDA
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decidida por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decidida el"), null=True, blank=True)

    class Meta:
        verbose_name = _("agrupación de propuestas")
        verbose_name_plural = _("agrupaciones de propuestas")
        ordering = ["plan", "-similarity", "id"]

    def __str__(self) -> str:
        return str(_("Agrupación de «%(title)s»") % {"title": self.representative.title})


class SmartScore(models.Model):
    """One evaluator's score of one proposal on one SMART criterion."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("propuesta"), on_delete=models.CASCADE, related_name="scores"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluador"),
        on_delete=models.CASCADE,
        related_name="smart_scores",
    )
    criterion = models.CharField(_("criterio"), max_length=12, choices=SmartCriterion.choices)
    value = models.PositiveSmallIntegerField(_("puntaje"))
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("puntaje SMART")
        verbose_name_plural = _("puntajes SMART")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "evaluator", "criterion"], name="commitments_one_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.evaluator_id} {self.criterion}={self.value}"


class PolicyArea(models.Model):
    """An OGP policy area (OGP publishes them in English; Spanish label for the screens)."""

    name = models.CharField(_("nombre en OGP"), max_length=120, unique=True)
    name_es = models.CharField(_("nombre"), max_length=120)
    slug = models.SlugField(_("identificador"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("área de política")
        verbose_name_plural = _("áreas de política")
        ordering = ["name_es"]

    def __str__(self) -> str:
        return self.name_es


class CommitmentStatus(models.TextChoices):
    NO_INICIADO = "no_iniciado", _("No iniciado")
    EN_CURSO = "en_curso", _("En curso")
    COMPLETADO = "completado", _("Completado")
    SIN_DATO = "sin_dato", _("Sin dato de avance")
    SIN_HITOS = "sin_hitos", _("Sin hitos registrados")


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def with_overdue(self, today: datetime.date) -> CommitmentQuerySet:
        """Annotates ``overdue``: a milestone whose end month is over and is not completed."""
        first_of_month = today.replace(day=1)
        late = Milestone.objects.filter(
            commitment=OuterRef("pk"), end_month__lt=first_of_month
        ).exclude(status__in=[MilestoneStatus.COMPLETADO, MilestoneStatus.SIN_DATO])
        return self.annotate(overdue=Exists(late))


class Commitment(DemoMarked, CreatedAt):
    """A commitment of an action plan. ``progress`` and ``status`` are kept by the services
    from the milestones (weighted share of completed milestones)."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="commitments"
    )
    code = models.CharField(_("código"), max_length=20, unique=True)
    number = models.CharField(_("número en el plan"), max_length=10, blank=True)
    section = models.CharField(_("eje del plan"), max_length=120, blank=True)
    title = models.TextField(_("título"), blank=True, help_text=_("Texto del plan, en español."))
    ogp_title = models.CharField(_("título en OGP"), max_length=400, blank=True)
    title_translation = models.TextField(
        _("traducción del título"),
        blank=True,
        help_text=_(
            "Traducción al español del título de OGP, hecha por Ágora, cuando las fuentes no "
            "traen el texto oficial del plan. Se muestra marcada como traducción."
        ),
    )
    problem = models.TextField(_("problema público"), blank=True)
    objective = models.TextField(_("objetivo"), blank=True)
    actions = models.TextField(_("acciones"), blank=True, help_text=_("Una por línea."))
    lead_institution = models.TextField(_("institución responsable (texto)"), blank=True)
    lead_entity = models.ForeignKey(
        "directory.Entity",
        verbose_name=_("entidad responsable"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_commitments",
    )
    supporting_entities = models.ManyToManyField(
        "directory.Entity",
        verbose_name=_("entidades corresponsables"),
        blank=True,
        related_name="supported_commitments",
    )
    supporting_organisations = models.JSONField(
        _("organizaciones corresponsables"), default=list, blank=True
    )
    link_note = models.TextField(_("nota sobre las entidades"), blank=True)
    policy_areas = models.ManyToManyField(
        PolicyArea, verbose_name=_("áreas de política"), blank=True, related_name="commitments"
    )
    ogp_values = models.JSONField(_("valores de gobierno abierto"), default=list, blank=True)
    ogp_starred = models.BooleanField(_("marcado como estelar en el listado de OGP"), default=False)
    deadline = models.DateField(_("fecha de cumplimiento"), null=True, blank=True)
    progress = models.DecimalField(
        _("avance (%)"), max_digits=5, decimal_places=1, default=0, editable=False
    )
    status = models.CharField(
        _("estado"),
        max_length=12,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.SIN_HITOS,
        editable=False,
        db_index=True,
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("compromiso")
        verbose_name_plural = _("compromisos")
        ordering = ["code"]
        indexes = [models.Index(fields=["plan", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.display_title}"[:300]

    def get_absolute_url(self) -> str:
        return reverse("commitments:commitment", kwargs={"code": self.code})

    @property
    def display_title(self) -> str:
        """The plan's official Spanish wording; without it, Ágora's translation of OGP's title
        (``title_is_translation``: pages say so); OGP's English title only when neither exists."""
        return self.title or self.title_translation or self.ogp_title

    @property
    def title_is_translation(self) -> bool:
        return not self.title and bool(self.title_translation)

    @property
    def title_is_english(self) -> bool:
        """Only OGP's English listing title is known: pages mark it ``lang="en"``."""
        return not self.title and not self.title_translation and bool(self.ogp_title)

    @property
    def ogp_value_labels(self) -> list[str]:
        labels = dict(OgpValue.choices)
        return [str(labels[v]) for v in self.ogp_values if v in labels]

    @property
    def action_list(self) -> list[str]:
        return [line for line in self.actions.splitlines() if line.strip()]


class MilestoneStatus(models.TextChoices):
    NO_INICIADO = "no_iniciado", _("No iniciado")
    EN_CURSO = "en_curso", _("En curso")
    COMPLETADO = "completado", _("Completado")
    # Historic milestones loaded from the documents, whose execution nobody has reported.
    SIN_DATO = "sin_dato", _("Sin dato de avance")


class Milestone(models.Model):
    """A dated activity of a commitment. Months are stored as their first day."""

    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("compromiso"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    order = models.PositiveSmallIntegerField(_("orden"))
    activity = models.TextField(_("actividad"))
    responsible = models.CharField(_("responsable"), max_length=255, blank=True)
    start_month = models.DateField(_("mes de inicio"))
    end_month = models.DateField(_("mes de término"))
    status = models.CharField(
        _("estado"),
        max_length=12,
        choices=MilestoneStatus.choices,
        default=MilestoneStatus.NO_INICIADO,
    )
    weight = models.PositiveSmallIntegerField(_("peso"), default=1)
    evidence_links = models.JSONField(_("enlaces de evidencia"), default=list, blank=True)

    class Meta:
        verbose_name = _("hito")
        verbose_name_plural = _("hitos")
        ordering = ["commitment", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "order"], name="commitments_milestone_order"
            ),
            models.CheckConstraint(
                condition=Q(end_month__gte=models.F("start_month")),
                name="commitments_milestone_ends_after_start",
                violation_error_message=_(
                    "El hito no puede terminar antes de empezar: el mes de término debe ser "
                    "igual o posterior al mes de inicio."
                ),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1),
                name="commitments_milestone_weight",
                violation_error_message=_("El peso del hito debe ser un entero mayor o igual a 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment.code} #{self.order}: {self.activity[:80]}"

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status not in (
            MilestoneStatus.COMPLETADO,
            MilestoneStatus.SIN_DATO,
        ) and self.end_month < today.replace(day=1)


class UpdateStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente de aprobación")
    APROBADA = "aprobada", _("Aprobada")
    RECHAZADA = "rechazada", _("Rechazada")


class CommitmentUpdate(DemoMarked):
    """A progress report posted by the responsible entity; public once the secretariat
    (rector staff) approves it. Approving applies the milestone status it reports."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("compromiso"), on_delete=models.CASCADE, related_name="updates"
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("hito"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )
    milestone_status = models.CharField(
        _("nuevo estado del hito"), max_length=12, choices=MilestoneStatus.choices, blank=True
    )
    text = models.TextField(_("informe"))
    evidence_links = models.JSONField(_("enlaces de evidencia"), default=list, blank=True)
    entity = models.ForeignKey(
        "directory.Entity", verbose_name=_("entidad"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("autor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("estado"), max_length=12, choices=UpdateStatus.choices, default=UpdateStatus.PENDIENTE
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revisado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("revisado el"), null=True, blank=True)
    review_note = models.TextField(_("nota de revisión"), blank=True)
    created_at = models.DateTimeField(_("enviado el"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporte de avance")
        verbose_name_plural = _("reportes de avance")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["commitment", "status"])]

    def __str__(self) -> str:
        return f"{self.commitment.code} {self.created_at:%Y-%m-%d} ({self.status})"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    return f"compromisos/evidencias/{instance.update.commitment.code}/{filename}"


class Evidence(models.Model):
    """A file attached to a progress report (PDF, image or office document, at most 20 MB)."""

    update = models.ForeignKey(
        CommitmentUpdate, verbose_name=_("reporte"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("archivo"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("nombre original"), max_length=255)
    mime_type = models.CharField(_("tipo"), max_length=120)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))

    class Meta:
        verbose_name = _("archivo de evidencia")
        verbose_name_plural = _("archivos de evidencia")

    def __str__(self) -> str:
        return self.original_name


class PotentialImpact(models.TextChoices):
    NINGUNO = "ninguno", _("Ninguno")
    MENOR = "menor", _("Menor")
    MODERADO = "moderado", _("Moderado")
    TRANSFORMADOR = "transformador", _("Transformador")


class Completion(models.TextChoices):
    NO_INICIADO = "no_iniciado", _("No iniciado")
    LIMITADO = "limitado", _("Limitado")
    SUSTANCIAL = "sustancial", _("Sustancial")
    COMPLETO = "completo", _("Completo")


class OpenedGovernment(models.TextChoices):
    EMPEORO = "empeoro", _("Empeoró")
    NO_CAMBIO = "no_cambio", _("No cambió")
    MARGINAL = "marginal", _("Marginal")
    SIGNIFICATIVO = "significativo", _("Significativo")
    SOBRESALIENTE = "sobresaliente", _("Sobresaliente")


def starred_by_ogp_rule(
    *, verifiable: bool | None, relevance: list[str], potential_impact: str, completion: str
) -> bool:
    """OGP's IRM "starred commitment": verifiable, relevant to at least one OGP value,
    transformative potential impact, and substantial or complete implementation."""
    return bool(
        verifiable
        and relevance
        and potential_impact == PotentialImpact.TRANSFORMADOR
        and completion in (Completion.SUSTANCIAL, Completion.COMPLETO)
    )


class IndependentReview(models.Model):
    """The Independent Reporting Mechanism's assessment of one commitment."""

    commitment = models.OneToOneField(
        Commitment, verbose_name=_("compromiso"), on_delete=models.CASCADE, related_name="review"
    )
    report = models.CharField(_("informe"), max_length=200, blank=True)
    verifiable = models.BooleanField(_("verificable"), null=True, blank=True)
    relevance = models.JSONField(_("relevancia para los valores de OGP"), default=list, blank=True)
    potential_impact = models.CharField(
        _("impacto potencial"), max_length=14, choices=PotentialImpact.choices, blank=True
    )
    completion = models.CharField(
        _("cumplimiento"), max_length=12, choices=Completion.choices, blank=True
    )
    opened_government = models.CharField(
        _("¿contribuyó a abrir el gobierno?"),
        max_length=14,
        choices=OpenedGovernment.choices,
        blank=True,
    )
    starred = models.BooleanField(_("estelar"), default=False, editable=False)
    notes = models.TextField(_("notas"), blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("evaluación independiente")
        verbose_name_plural = _("evaluaciones independientes")

    def __str__(self) -> str:
        return str(_("Evaluación de %(code)s") % {"code": self.commitment.code})

    @property
    def relevance_labels(self) -> list[str]:
        labels = dict(OgpValue.choices)
        return [str(labels[v]) for v in self.relevance if v in labels]
