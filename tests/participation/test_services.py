"""Participation services: every refusal writes nothing and says why in Spanish."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, Notification, User
from agora.participation import documents, pilots, selectors, services
from agora.participation.models import (
    AdmissionRequest,
    AdmissionStatus,
    Agreement,
    AgreementStatus,
    CitizenVerification,
    Comment,
    CommentStatus,
    Consultation,
    Forum,
    ForumMembership,
    ForumSession,
    MinutesStatus,
    OpportunitySubscription,
    SeatRule,
    StakeholderType,
)
from tests.participation.conftest import DOCUMENT

pytestmark = pytest.mark.django_db


# --- Forums and seats ----------------------------------------------------------------------


def test_only_rector_staff_create_forums(make_user: Callable[..., User]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.forum_save(
            actor=make_user("x"), name="F", sector="S", scope="nacional", purpose="P"
        )
    assert not Forum.objects.exists()


def test_regional_forum_needs_its_region(rector: User) -> None:
    with pytest.raises(DomainError, match="región"):
        services.forum_save(actor=rector, name="F", sector="S", scope="regional", purpose="P")
    assert not Forum.objects.exists()


def test_seat_rule_min_above_max_refused(rector: User, forum: Forum) -> None:
    with pytest.raises(DomainError, match="mínimo"):
        services.seat_rule_set(
            actor=rector, forum=forum, stakeholder_type="academia", min_seats=3, max_seats=1
        )
    assert SeatRule.objects.get(forum=forum, stakeholder_type="academia").max_seats == 1


def test_forum_shows_missing_representation_until_minimum_met(
    forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    seats = {s.stakeholder_type: s for s in selectors.forum_seats(forum)}
    assert seats["sociedad_civil"].missing == 2
    add_member("Org 1")
    add_member("Org 2")
    seats = {s.stakeholder_type: s for s in selectors.forum_seats(forum)}
    assert seats["sociedad_civil"].missing == 0
    assert seats["estado"].missing == 1


def test_membership_over_maximum_refused_and_nothing_written(
    forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    add_member("Universidad 1", StakeholderType.ACADEMIA)
    before = ForumMembership.objects.count()
    with pytest.raises(DomainError, match="ya tiene 1 de 1 asientos"):
        add_member("Universidad 2", StakeholderType.ACADEMIA)
    assert ForumMembership.objects.count() == before


def test_observer_does_not_take_a_seat(
    forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    add_member("Universidad 1", StakeholderType.ACADEMIA)
    observer = add_member("Universidad 2", StakeholderType.ACADEMIA, vote="observador")
    assert not observer.has_vote
    members = {o.name: v for o, v in forum.current_members()}
    assert members == {"Universidad 1": "voz_y_voto", "Universidad 2": "observador"}


def test_type_without_seat_rule_refused(
    forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    with pytest.raises(DomainError, match="no tiene asientos"):
        add_member("Empresa", StakeholderType.EMPRESARIAL)


# --- Admission protocol --------------------------------------------------------------------


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("constancia.pdf", b"%PDF-1.4 prueba", "application/pdf")


def _submit(actor: User, forum: Forum, **extra: Any) -> AdmissionRequest:
    data: dict[str, Any] = {
        "organisation_name": "Red Ciudadana",
        "stakeholder_type": "sociedad_civil",
        "vote": "voz_y_voto",
        "checklist": dict.fromkeys(forum.requirements, True),
        "documents_in": [("Constancia", _pdf())],
    }
    data.update(extra)
    return services.admission_request_submit(actor=actor, forum=forum, **data)


def test_admission_request_needs_verified_email(unverified: User, forum: Forum) -> None:
    with pytest.raises(PermissionDeniedError, match="verificado"):
        _submit(unverified, forum)
    assert not AdmissionRequest.objects.exists()


def test_admission_request_needs_every_requirement(citizen: User, forum: Forum) -> None:
    with pytest.raises(DomainError, match="Carta de designación"):
        _submit(citizen, forum, checklist={"Constancia de existencia legal": True})
    assert not AdmissionRequest.objects.exists()


def test_admission_request_needs_a_document(citizen: User, forum: Forum) -> None:
    with pytest.raises(DomainError, match="documento"):
        _submit(citizen, forum, documents_in=[])
    with pytest.raises(DomainError, match="PDF"):
        _submit(citizen, forum, documents_in=[("x", SimpleUploadedFile("x.exe", b"MZ", "x/y"))])
    assert not AdmissionRequest.objects.exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("acta.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("foto.jpg", EXE),
        ("foto.jpg", b"%PDF-1.4 un pdf con nombre de imagen"),
        ("acta.pdf", PNG),
        ("acta.pdf", b""),
    ],
)
def test_admission_documents_are_checked_by_their_content(
    citizen: User, forum: Forum, name: str, content: bytes
) -> None:
    """An HTML page named .pdf, a program named .jpg, or a file whose name and content
    disagree is refused in Spanish, and nothing is stored."""
    upload = SimpleUploadedFile(name, content, "application/pdf")
    with pytest.raises(DomainError, match="se revisa su contenido"):
        _submit(citizen, forum, documents_in=[("Constancia", upload)])
    assert not AdmissionRequest.objects.exists()


def test_a_real_png_is_accepted_as_an_admission_document(citizen: User, forum: Forum) -> None:
    upload = SimpleUploadedFile("constancia.png", PNG, "image/png")
    _submit(citizen, forum, documents_in=[("Constancia", upload)])
    assert AdmissionRequest.objects.count() == 1


def test_admission_admitted_opens_a_term_and_tells_the_applicant(
    citizen: User, rector: User, forum: Forum
) -> None:
    request = _submit(citizen, forum)
    assert request.documents.count() == 1
    decided = services.admission_decide(
        actor=rector, request=request, admit=True, reason="Cumple los requisitos."
    )
    assert decided.status == AdmissionStatus.ADMITIDA
    membership = ForumMembership.objects.get(admission=request)
    assert (membership.term_end - membership.term_start).days > 700
    assert Notification.objects.filter(user=citizen, kind="foro_admision").exists()


def test_decision_without_reason_refused(citizen: User, rector: User, forum: Forum) -> None:
    request = _submit(citizen, forum)
    with pytest.raises(DomainError, match="motivo"):
        services.admission_decide(actor=rector, request=request, admit=False, reason=" ")
    request.refresh_from_db()
    assert request.status == AdmissionStatus.PENDIENTE


def test_admission_over_maximum_refused_request_stays_pending(
    citizen: User, rector: User, forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    for i in range(3):
        add_member(f"Org {i}")
    request = _submit(citizen, forum)
    with pytest.raises(DomainError, match="3 de 3 asientos"):
        services.admission_decide(actor=rector, request=request, admit=True, reason="Sí.")
    request.refresh_from_db()
    assert request.status == AdmissionStatus.PENDIENTE
    assert not ForumMembership.objects.filter(admission=request).exists()


def test_only_the_secretariat_decides(
    citizen: User, forum: Forum, make_user: Callable[..., User]
) -> None:
    request = _submit(citizen, forum)
    other_rector = make_user("otro-rector", is_rector=True)
    for actor in (citizen, other_rector):
        with pytest.raises(PermissionDeniedError):
            services.admission_decide(actor=actor, request=request, admit=True, reason="x")


def test_term_reminder_sent_once_before_the_end(
    rector: User, forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    membership = add_member("Org")
    today = timezone.localdate()
    assert services.term_reminders_send(today=today) == 0
    near = membership.term_end - timedelta(days=10)
    assert services.term_reminders_send(today=near) == 1
    assert services.term_reminders_send(today=near) == 0
    assert Notification.objects.filter(user=rector, kind="foro_mandato").count() == 1


def test_representatives_titular_and_alterno(
    forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    membership = add_member("Org")
    services.representative_set(
        actor=None, system=True, membership=membership, role="titular", full_name="A"
    )
    services.representative_set(
        actor=None, system=True, membership=membership, role="alterno", full_name="B"
    )
    services.representative_set(
        actor=None, system=True, membership=membership, role="titular", full_name="C"
    )
    active = {r.role: r.full_name for r in membership.representatives.filter(is_active=True)}
    assert active == {"titular": "C", "alterno": "B"}
    with pytest.raises(DomainError):
        services.representative_set(
            actor=None, system=True, membership=membership, role="suplente", full_name="D"
        )


# --- Sessions ------------------------------------------------------------------------------


def _held_session(forum: Forum) -> ForumSession:
    session = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Primera sesión",
        starts_at=timezone.now() - timedelta(hours=3),
        agenda="1. Instalación",
    )
    return session


def test_quorum_is_half_of_voting_members_plus_one() -> None:
    assert services.quorum_for(10) == 6
    assert services.quorum_for(9) == 5
    assert services.quorum_for(0) == 1


def test_session_without_quorum_cannot_be_valid(
    rector: User, forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    members = [add_member(f"Org {i}") for i in range(3)] + [
        add_member("Estado", StakeholderType.ESTADO)
    ]
    session = _held_session(forum)
    services.attendance_record(actor=rector, session=session, present=[members[0].pk])
    with pytest.raises(DomainError, match="No hay quórum: asistieron 1 de 4"):
        services.session_close(actor=rector, session=session, valid=True)
    session.refresh_from_db()
    assert session.is_valid is None and session.status == "programada"
    services.attendance_record(actor=rector, session=session, present=[m.pk for m in members[:3]])
    services.session_close(actor=rector, session=session, valid=True)
    session.refresh_from_db()
    assert session.is_valid is True and session.quorum_required == 3


def test_attendance_only_of_current_members(rector: User, forum: Forum) -> None:
    session = _held_session(forum)
    with pytest.raises(DomainError, match="miembros vigentes"):
        services.attendance_record(actor=rector, session=session, present=[999999])


def test_session_in_the_past_refused(rector: User, forum: Forum) -> None:
    with pytest.raises(DomainError, match="futura"):
        services.session_schedule(
            actor=rector,
            forum=forum,
            title="T",
            starts_at=timezone.now() - timedelta(days=1),
            agenda="A",
        )


def test_convocation_sent_n_days_before(rector: User, forum: Forum, member_user: User) -> None:
    now = timezone.now()
    session = services.session_schedule(
        actor=rector, forum=forum, title="T", starts_at=now + timedelta(days=10), agenda="A"
    )
    assert session.convocation_days == 7
    assert services.convocations_send(now=now) == 0
    assert services.convocations_send(now=now + timedelta(days=3, hours=1)) == 1
    assert services.convocations_send(now=now + timedelta(days=4)) == 0
    assert Notification.objects.filter(user=member_user, kind="foro_convocatoria").count() == 1


def test_minutes_published_only_after_approval(
    rector: User, forum: Forum, member_user: User
) -> None:
    session = _held_session(forum)
    services.session_close(actor=rector, session=session, valid=False)
    services.minutes_save(actor=rector, session=session, text="# Acta\n\nSe instaló.")
    with pytest.raises(DomainError, match="después de aprobada"):
        services.minutes_publish(actor=rector, session=session)
    anonymous = type("Anon", (), {"is_authenticated": False, "is_active": False})()
    assert not selectors.minutes_visible(anonymous, session)
    assert selectors.minutes_visible(member_user, session)
    services.minutes_approve(actor=rector, session=session)
    with pytest.raises(DomainError, match="aprobada"):
        services.minutes_save(actor=rector, session=session, text="cambio")
    services.minutes_publish(actor=rector, session=session)
    assert session.minutes_status == MinutesStatus.PUBLICADA
    assert selectors.minutes_visible(anonymous, session)


def test_minutes_markdown_rendered_safely() -> None:
    html = documents.markdown_render(
        "**Acuerdo** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>"
    )
    assert "<strong>Acuerdo</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


# --- Agreements ----------------------------------------------------------------------------


def test_agreement_decision_needs_reference_and_valid_link(rector: User, forum: Forum) -> None:
    due = timezone.localdate() + timedelta(days=30)
    with pytest.raises(DomainError, match="norma, resolución o documento"):
        services.agreement_create(
            actor=rector,
            forum=forum,
            draft=services.AgreementDraft(
                text="T",
                responsible="MINAM",
                due_date=due,
                decision_kind="resolucion",
            ),
        )
    with pytest.raises(DomainError, match="enlace"):
        services.agreement_create(
            actor=rector,
            forum=forum,
            draft=services.AgreementDraft(
                text="T",
                responsible="MINAM",
                due_date=due,
                decision_kind="resolucion",
                decision_reference="RM 1-2026",
                decision_url="ftp://x",
            ),
        )
    assert not Agreement.objects.exists()
    agreement = services.agreement_create(
        actor=rector,
        forum=forum,
        draft=services.AgreementDraft(
            text="T",
            responsible="MINAM",
            due_date=due,
            decision_kind="resolucion",
            decision_reference="RM 1-2026",
            decision_url="https://www.gob.pe/x",
        ),
    )
    assert agreement.number == 1


def test_overdue_agreements_reminded_weekly(rector: User, forum: Forum) -> None:
    today = timezone.localdate()
    services.agreement_create(
        actor=rector,
        forum=forum,
        draft=services.AgreementDraft(
            text="T",
            responsible="R",
            due_date=today - timedelta(days=1),
        ),
    )
    assert services.agreements_overdue_remind(today=today) == 1
    assert services.agreements_overdue_remind(today=today + timedelta(days=2)) == 0
    assert services.agreements_overdue_remind(today=today + timedelta(days=7)) == 1


def test_fulfilment_date_cannot_be_future(rector: User, forum: Forum) -> None:
    agreement = services.agreement_create(
        actor=rector,
        forum=forum,
        draft=services.AgreementDraft(
            text="T",
            responsible="R",
            due_date=timezone.localdate(),
        ),
    )
    with pytest.raises(DomainError, match="futura"):
        services.agreement_update(
            actor=rector,
            agreement=agreement,
            status=AgreementStatus.CUMPLIDO,
            fulfilled_on=timezone.localdate() + timedelta(days=1),
        )


# --- Consultations -------------------------------------------------------------------------


def test_document_parsed_into_numbered_sections_and_paragraphs(consultation: Consultation) -> None:
    version = consultation.versions.get()
    labels = list(version.paragraphs.values_list("label", flat=True))
    assert labels == ["1.1", "2.1", "2.2", "3.1"]
    assert list(version.sections.values_list("title", flat=True)) == [
        "Presentación",
        "Disposiciones generales",
        "Foros multiactor",
    ]


def test_empty_document_refused(rector: User) -> None:
    now = timezone.now()
    with pytest.raises(DomainError, match="no tiene párrafos"):
        services.consultation_create(
            actor=rector,
            title="T",
            source_md="# Solo título\n",
            opens_at=now,
            closes_at=now + timedelta(days=1),
        )
    with pytest.raises(DomainError, match="posterior"):
        services.consultation_create(
            actor=rector,
            title="T",
            source_md=DOCUMENT,
            opens_at=now,
            closes_at=now,
        )
    assert not Consultation.objects.exists()


def test_comment_after_close_refused(citizen: User, consultation: Consultation) -> None:
    with pytest.raises(DomainError, match="cerró"):
        services.comment_submit(
            actor=citizen,
            consultation=consultation,
            body="Llego tarde, pero propongo plazos.",
            now=consultation.closes_at + timedelta(seconds=1),
        )
    assert not Comment.objects.exists()


def test_comment_needs_verified_email(unverified: User, consultation: Consultation) -> None:
    with pytest.raises(PermissionDeniedError, match="verificar"):
        services.comment_submit(
            actor=unverified, consultation=consultation, body="Propongo plazos de respuesta claros."
        )
    assert not Comment.objects.exists()


def test_comment_on_paragraph_of_old_version_refused(
    citizen: User, rector: User, consultation: Consultation
) -> None:
    old = consultation.versions.get().paragraphs.first()
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.save()
    services.consultation_version_publish(
        actor=rector,
        consultation=consultation,
        source_md=DOCUMENT + "\nNuevo.\n",
        change_note="Se añade un párrafo.",
    )
    consultation.closes_at = timezone.now() + timedelta(days=1)
    consultation.save()
    with pytest.raises(DomainError, match="versión vigente"):
        services.comment_submit(
            actor=citizen,
            consultation=consultation,
            body="Propongo aclarar este párrafo.",
            paragraph=old,
        )


def test_comments_rate_limited_per_person(citizen: User, consultation: Consultation) -> None:
    for i in range(services.COMMENT_RATE_LIMIT):
        services.comment_submit(
            actor=citizen, consultation=consultation, body=f"Aporte número {i} sobre plazos"
        )
    with pytest.raises(DomainError, match="demasiados"):
        services.comment_submit(
            actor=citizen, consultation=consultation, body="Uno más sobre los plazos"
        )
    assert Comment.objects.count() == services.COMMENT_RATE_LIMIT


def test_empty_and_too_long_comments_refused(citizen: User, consultation: Consultation) -> None:
    with pytest.raises(DomainError, match="Escriba"):
        services.comment_submit(actor=citizen, consultation=consultation, body="   ")
    with pytest.raises(DomainError, match="máximo"):
        services.comment_submit(actor=citizen, consultation=consultation, body="a" * 3001)
    assert not Comment.objects.exists()


@dataclass
class _Result:
    kind: str
    flags: list[str]


class _FakeModel:
    def classify_texts(self, texts: list[str]) -> list[_Result]:
        return [_Result("otro", ["insulto"] if "idiota" in t else []) for t in texts]


def test_flagged_comment_held_for_review(
    citizen: User, rector: User, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("agora.language.model.load", lambda *a, **k: _FakeModel())
    held = services.comment_submit(actor=citizen, consultation=consultation, body="Eres idiota")
    fine = services.comment_submit(actor=citizen, consultation=consultation, body="Buen texto")
    assert held.status == CommentStatus.EN_REVISION and held.flags == ["insulto"]
    assert fine.status == CommentStatus.PUBLICADO
    assert Notification.objects.filter(user=rector, kind="consulta_moderacion").exists()
    services.comment_moderate(actor=rector, comment=held, publish=False, reason="Insulto.")
    held.refresh_from_db()
    assert held.status == CommentStatus.OCULTO and Comment.objects.filter(pk=held.pk).exists()


def test_comment_accepted_without_flags_when_no_model(
    citizen: User, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agora.language.model import ModelError

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ModelError("sin modelo")

    monkeypatch.setattr("agora.language.model.load", fail)
    comment = services.comment_submit(
        actor=citizen, consultation=consultation, body="Propongo plazos de respuesta claros."
    )
    assert comment.status == CommentStatus.PUBLICADO and comment.flags == []


def test_author_label_is_a_pseudonym(citizen: User, consultation: Consultation) -> None:
    comment = services.comment_submit(
        actor=citizen, consultation=consultation, body="Propongo plazos de respuesta claros."
    )
    assert comment.author_label.startswith("Participante ")
    assert "ciudadana" not in comment.author_label


def test_secretariat_answers_with_reason(
    citizen: User, rector: User, consultation: Consultation
) -> None:
    comment = services.comment_submit(
        actor=citizen, consultation=consultation, body="Propongo plazos de respuesta claros."
    )
    with pytest.raises(DomainError, match="acogido"):
        services.comment_answer(actor=rector, comment=comment, outcome="tal vez", reason="x")
    with pytest.raises(DomainError, match="fundamento"):
        services.comment_answer(actor=rector, comment=comment, outcome="acogido", reason="")
    with pytest.raises(PermissionDeniedError):
        services.comment_answer(actor=citizen, comment=comment, outcome="acogido", reason="x")
    services.comment_answer(
        actor=rector, comment=comment, outcome="acogido_parcialmente", reason="Se ajusta."
    )
    comment.refresh_from_db()
    assert comment.get_answer_outcome_display() == "Acogido parcialmente"
    assert AuditEvent.objects.filter(verb="consulta.respondida").exists()


def test_next_version_only_after_close_with_readable_diff(
    rector: User, consultation: Consultation
) -> None:
    new_text = DOCUMENT.replace("tres niveles", "tres niveles y en los foros")
    with pytest.raises(DomainError, match="después del cierre"):
        services.consultation_version_publish(
            actor=rector, consultation=consultation, source_md=new_text, change_note="x"
        )
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.save()
    with pytest.raises(DomainError, match="idéntica"):
        services.consultation_version_publish(
            actor=rector, consultation=consultation, source_md=DOCUMENT, change_note="x"
        )
    version = services.consultation_version_publish(
        actor=rector, consultation=consultation, source_md=new_text, change_note="Ajuste."
    )
    assert version.number == 2
    diff = documents.document_diff(DOCUMENT, new_text)
    kinds = [(d.kind, d.text) for d in diff if d.kind != "same"]
    assert kinds == [
        ("removed", "Se aplican a los tres niveles de gobierno."),
        ("added", "Se aplican a los tres niveles y en los foros de gobierno."),
    ]


# --- Citizens and subscriptions ------------------------------------------------------------


def test_citizen_registration_and_verification(db: None) -> None:
    from django.core import signing

    user = services.citizen_register(
        email="Nueva@Example.pe",
        password="una-clave-larga-2026",
        password_confirm="una-clave-larga-2026",
    )
    assert user is not None
    assert user.username == "nueva@example.pe" and not user.is_rector
    verification = CitizenVerification.objects.get(user=user)
    assert verification.verified_at is None
    with pytest.raises(DomainError, match="no es válido"):
        services.citizen_verify(token="basura")
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=services.VERIFY_SALT)
    services.citizen_verify(token=token)
    verification.refresh_from_db()
    assert verification.verified_at is not None


def test_registration_refusals(db: None, citizen: User) -> None:
    with pytest.raises(DomainError, match="válido"):
        services.citizen_register(email="no-es-correo", password="x", password_confirm="x")
    with pytest.raises(DomainError, match="no coinciden"):
        services.citizen_register(
            email="a@example.pe", password="una-clave-larga-1", password_confirm="otra"
        )
    # An address with an account: no error that would tell a stranger so, no new account.
    assert (
        services.citizen_register(
            email="ciudadana@example.pe",
            password="una-clave-larga-1",
            password_confirm="una-clave-larga-1",
        )
        is None
    )
    assert User.objects.count() == 1


def test_subscription_confirm_announce_and_cancel(
    db: None, consultation: Consultation, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import signing

    with django_capture_on_commit_callbacks(execute=True):
        subscription = services.subscription_request(email="vecina@example.pe")
    assert len(mail.outbox) == 1
    token = signing.dumps(
        {"s": subscription.pk, "e": subscription.email}, salt=services.SUBSCRIBE_SALT
    )
    services.subscription_confirm(token=token)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.opportunities_announce() == 1
    assert "Lineamientos de participación" in mail.outbox[-1].body
    assert services.opportunities_announce() == 0
    services.subscription_cancel(token=token)
    assert OpportunitySubscription.objects.get().unsubscribed_at is not None


# --- Pilots and evaluation -----------------------------------------------------------------


def test_pilot_forums_load_idempotently(entities: Any) -> None:
    first = pilots.pilots_load()
    second = pilots.pilots_load()
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    slugs = set(Forum.objects.values_list("slug", flat=True))
    assert slugs == {"foro-multiactor-ambiente", "foro-multiactor-vivienda"}
    assert not ForumMembership.objects.exists()  # members are not invented
    assert not Forum.objects.filter(is_demo=True).exists()


def test_evaluation_computed_from_records(
    rector: User,
    forum: Forum,
    add_member: Callable[..., ForumMembership],
    citizen: User,
    consultation: Consultation,
) -> None:
    a = add_member("Org A")
    add_member("Org B")
    session = _held_session(forum)
    services.attendance_record(actor=rector, session=session, present=[a.pk])
    services.session_close(actor=rector, session=session, valid=False)
    today = timezone.localdate()
    on_time = services.agreement_create(
        actor=rector,
        forum=forum,
        draft=services.AgreementDraft(
            text="1",
            responsible="R",
            due_date=today - timedelta(days=1),
        ),
    )
    services.agreement_update(
        actor=rector, agreement=on_time, status="cumplido", fulfilled_on=today - timedelta(days=2)
    )
    services.agreement_create(
        actor=rector,
        forum=forum,
        draft=services.AgreementDraft(
            text="2",
            responsible="R",
            due_date=today - timedelta(days=1),
        ),
    )
    c1 = services.comment_submit(
        actor=citizen, consultation=consultation, body="Primer aporte al documento"
    )
    services.comment_submit(
        actor=citizen, consultation=consultation, body="Segundo aporte al documento"
    )
    services.comment_answer(actor=rector, comment=c1, outcome="acogido", reason="ok")
    evaluation = selectors.forum_evaluation(forum)
    assert evaluation.attendance_rate == 50.0
    assert evaluation.on_time_rate == 50.0
    # minimums: estado 1 (0 met), sociedad civil 2 (met), academia 1 (0 met)
    assert (evaluation.types_meeting_minimum, evaluation.types_with_minimum) == (1, 3)
    assert evaluation.answered_rate == 50.0


def test_every_comment_write_bumps_the_revision(
    citizen: User, rector: User, consultation: Consultation
) -> None:
    start = consultation.comments_revision
    comment = services.comment_submit(
        actor=citizen, consultation=consultation, body="Propongo plazos de respuesta claros."
    )
    services.comment_answer(actor=rector, comment=comment, outcome="acogido", reason="ok")
    services.comment_moderate(actor=rector, comment=comment, publish=False, reason="x")
    consultation.refresh_from_db()
    assert consultation.comments_revision == start + 3
