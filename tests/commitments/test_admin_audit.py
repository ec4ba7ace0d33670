"""Edits made in Django's admin are audited like the services' (DESIGN: every write audited;
issue #7: every co-creation step): the object and its inline rows, before and after. And the
admin follows the services' rules: the review is saved by ``review_record``, workshops and
milestones are checked like in the services, milestone edits refresh the progress."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    IndependentReview,
    Milestone,
    MilestoneStatus,
    Workshop,
    WorkshopParticipation,
)
from agora.core.models import AuditEvent, User
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, rector: User) -> Client:
    rector.is_staff = True
    rector.is_superuser = True
    rector.save()
    return login(client, rector)


def _form(workshop: Workshop, place: str, rows: list[tuple[str, str, str]]) -> dict[str, str]:
    """The change form's fields, with the participation inline rows (id, type, count)."""
    data = {
        "plan": str(workshop.plan_id),
        "label": workshop.label,
        "place": place,
        "date": "",
        "date_text": workshop.date_text,
        "people": "40",
        "notes": "",
        "participation-TOTAL_FORMS": str(len(rows)),
        "participation-INITIAL_FORMS": str(sum(1 for pk, _t, _c in rows if pk)),
        "participation-MIN_NUM_FORMS": "0",
        "participation-MAX_NUM_FORMS": "1000",
    }
    for i, (pk, kind, count) in enumerate(rows):
        data |= {
            f"participation-{i}-id": pk,
            f"participation-{i}-workshop": str(workshop.pk),
            f"participation-{i}-organisation_type": kind,
            f"participation-{i}-count": count,
        }
    return data


def test_admin_change_and_inline_rows_are_audited(admin_client: Client, plan: ActionPlan) -> None:
    workshop = Workshop.objects.create(plan=plan, label="T1", place="Lima", date_text="2015")
    row = WorkshopParticipation.objects.create(
        workshop=workshop, organisation_type="sociedad_civil", count=5
    )
    url = f"/admin/commitments/workshop/{workshop.pk}/change/"
    response = admin_client.post(
        url,
        _form(
            workshop,
            "Arequipa",
            [(str(row.pk), "sociedad_civil", "7"), ("", "universidad", "2")],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = AuditEvent.objects.get(verb="admin.workshop.cambio", object_id=str(workshop.pk))
    assert changed.before is not None and changed.after is not None
    assert changed.before["place"] == "Lima" and changed.after["place"] == "Arequipa"
    assert changed.actor is not None and changed.actor.username == "rectora"
    row_event = AuditEvent.objects.get(
        verb="admin.workshopparticipation.cambio", object_id=str(row.pk)
    )
    assert row_event.before is not None and row_event.after is not None
    assert (row_event.before["count"], row_event.after["count"]) == (5, 7)
    added = WorkshopParticipation.objects.get(workshop=workshop, organisation_type="universidad")
    assert AuditEvent.objects.filter(
        verb="admin.workshopparticipation.alta", object_id=str(added.pk)
    ).exists()


def test_admin_deletion_is_audited_with_what_was_deleted(
    admin_client: Client, plan: ActionPlan
) -> None:
    workshop = Workshop.objects.create(plan=plan, label="T2", place="Cusco", date_text="2015")
    pk = workshop.pk
    response = admin_client.post(f"/admin/commitments/workshop/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Workshop.objects.filter(pk=pk).exists()
    deleted = AuditEvent.objects.get(verb="admin.workshop.baja", object_id=str(pk))
    assert deleted.before is not None
    assert deleted.before["place"] == "Cusco" and deleted.before["label"] == "T2"


def test_admin_user_changes_never_copy_the_password(admin_client: Client, rector: User) -> None:
    user = User.objects.create_user("persona", password="clave-segura-123")
    admin_client.post(f"/admin/core/user/{user.pk}/delete/", {"post": "yes"})
    event = AuditEvent.objects.get(verb="admin.user.baja", object_id=str(user.pk))
    assert event.before is not None and event.before["username"] == "persona"
    assert "password" not in event.before


# --- the admin follows the services' rules (issue #7 audit) -----------------------------------


def _admin_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin add/change page as it was shown: the main form and every
    inline formset with its management form."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for bound in form:
            if bound.field.disabled:
                continue
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is None:
                data[bound.html_name] = ""
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.initial_forms:
            add(form)
    return data


def _rows(data: dict[str, Any], prefix: str) -> int:
    return int(data[f"{prefix}-TOTAL_FORMS"])


def _add_row(data: dict[str, Any], prefix: str, values: dict[str, str]) -> None:
    index = _rows(data, prefix)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def _errors(response: Any) -> str:
    """Every error the admin page shows (form, non-form and inline rows)."""
    parts = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        parts.append(str(inline.formset.non_form_errors()))
        parts.extend(str(form.errors) for form in inline.formset.forms)
    return " ".join(parts)


def test_admin_review_is_saved_by_the_service_with_starred_computed(
    admin_client: Client, commitment: Commitment
) -> None:
    """``starred`` is computed by the OGP rule (a posted value is ignored) and the save is
    the service's, audited as ``revision_independiente.registrada``."""
    response = admin_client.post(
        "/admin/commitments/independentreview/add/",
        {
            "commitment": str(commitment.pk),
            "report": "IRM 2017",
            "verifiable": "true",
            "relevance": ["transparencia", "rendicion_de_cuentas"],
            "potential_impact": "transformador",
            "completion": "sustancial",
            "opened_government": "significativo",
            "notes": "",
            "starred": "off",
        },
    )
    assert response.status_code == 302, _errors(response)
    review = IndependentReview.objects.get(commitment=commitment)
    assert review.starred is True
    assert review.relevance == ["transparencia", "rendicion_de_cuentas"]
    event = AuditEvent.objects.get(
        verb="revision_independiente.registrada", object_id=str(review.pk)
    )
    assert event.actor is not None and event.actor.username == "rectora"
    assert event.after is not None and event.after["starred"] is True

    # A change that makes it no longer starred recomputes the flag.
    page = admin_client.get(f"/admin/commitments/independentreview/{review.pk}/change/")
    data = _admin_data(page)
    data["completion"] = "limitado"
    response = admin_client.post(f"/admin/commitments/independentreview/{review.pk}/change/", data)
    assert response.status_code == 302, _errors(response)
    review.refresh_from_db()
    assert review.completion == "limitado" and review.starred is False
    assert AuditEvent.objects.filter(verb="revision_independiente.registrada").count() == 2


def test_admin_review_with_unknown_values_is_refused_in_spanish(
    admin_client: Client, commitment: Commitment
) -> None:
    response = admin_client.post(
        "/admin/commitments/independentreview/add/",
        {
            "commitment": str(commitment.pk),
            "verifiable": "true",
            "relevance": ["transparencia", "inventado"],
            "potential_impact": "enorme",
            "completion": "completo",
            "opened_government": "",
        },
    )
    assert response.status_code == 200
    errors = _errors(response)
    assert "inventado" in errors and "no es una de las opciones" in errors
    assert "enorme" in errors
    assert not IndependentReview.objects.exists()
    assert not AuditEvent.objects.filter(verb="revision_independiente.registrada").exists()


def test_admin_review_is_edited_by_rector_staff_only(
    client: Client, commitment: Commitment, make_user: Callable[..., User]
) -> None:
    """Staff who are not of the rector office may look but not record a review."""
    staff = make_user("personal-admin", is_staff=True, totp=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="independentreview"))
    login(client, staff)
    response = client.post(
        "/admin/commitments/independentreview/add/",
        {"commitment": str(commitment.pk), "completion": "completo"},
    )
    assert response.status_code == 403
    assert not IndependentReview.objects.exists()


def test_admin_milestone_edits_refresh_the_commitments_progress(
    admin_client: Client, commitment: Commitment, rector: User, first_milestone: Milestone
) -> None:
    services.milestone_update(
        actor=rector, milestone=first_milestone, status=MilestoneStatus.COMPLETADO
    )
    commitment.refresh_from_db()
    assert commitment.progress == Decimal("50.0")
    url = f"/admin/commitments/commitment/{commitment.pk}/change/"
    data = _admin_data(admin_client.get(url))
    _add_row(
        data,
        "milestones",
        {
            "order": "3",
            "activity": "Publicar el informe final",
            "responsible": "",
            "start_month": "2025-03-15",
            "end_month": "2025-06-20",
            "weight": "2",
        },
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, _errors(response)
    commitment.refresh_from_db()
    # 1 of 4 weight units completed.
    assert commitment.progress == Decimal("25.0")
    added = commitment.milestones.get(order=3)
    # Months are kept as their first day, as the services keep them.
    assert (added.start_month, added.end_month) == (
        datetime.date(2025, 3, 1),
        datetime.date(2025, 6, 1),
    )
    assert AuditEvent.objects.filter(verb="admin.milestone.alta", object_id=str(added.pk)).exists()

    # Deleting the completed milestone drops the progress to 0.
    data = _admin_data(admin_client.get(url))
    index = next(
        i
        for i in range(_rows(data, "milestones"))
        if data[f"milestones-{i}-id"] == str(first_milestone.pk)
    )
    data[f"milestones-{index}-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, _errors(response)
    commitment.refresh_from_db()
    assert commitment.progress == Decimal("0.0")


def test_admin_milestone_ending_before_it_starts_is_refused_in_spanish(
    admin_client: Client, commitment: Commitment, first_milestone: Milestone
) -> None:
    url = f"/admin/commitments/commitment/{commitment.pk}/change/"
    data = _admin_data(admin_client.get(url))
    index = next(
        i
        for i in range(_rows(data, "milestones"))
        if data[f"milestones-{i}-id"] == str(first_milestone.pk)
    )
    data[f"milestones-{index}-start_month"] = "2025-08-01"
    data[f"milestones-{index}-end_month"] = "2025-05-01"
    data["title"] = "Título cambiado"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = _errors(response)
    assert "termina (2025-05) antes de empezar (2025-08)" in errors
    assert "Constraint" not in errors
    first_milestone.refresh_from_db()
    commitment.refresh_from_db()
    assert first_milestone.end_month == datetime.date(2025, 2, 1)
    assert commitment.title == "Compromiso de prueba PE9001"
    assert not AuditEvent.objects.filter(verb__startswith="admin.").exists()


def test_milestone_constraint_explains_itself_in_spanish(commitment: Commitment) -> None:
    """Whatever form validates the model, the check constraint's message is Spanish."""
    milestone = Milestone(
        commitment=commitment,
        order=9,
        activity="Al revés",
        start_month=datetime.date(2025, 9, 1),
        end_month=datetime.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as caught:
        milestone.full_clean()
    assert "no puede terminar antes de empezar" in str(caught.value)


def test_admin_workshop_follows_the_services_rules(admin_client: Client, plan: ActionPlan) -> None:
    """A blank place, or the same organisation type counted twice, is refused with a
    Spanish reason and nothing is written."""
    workshop = Workshop.objects.create(plan=plan, label="T3", place="Piura", date_text="2015")
    url = f"/admin/commitments/workshop/{workshop.pk}/change/"
    response = admin_client.post(url, _form(workshop, "   ", []))
    assert response.status_code == 200
    assert "Este campo es requerido" in _errors(response)

    response = admin_client.post(
        url,
        _form(
            workshop,
            "Tumbes",
            [("", "sociedad_civil", "3"), ("", "universidad", "1"), ("", "sociedad_civil", "4")],
        ),
    )
    assert response.status_code == 200
    assert "«Organizaciones de la sociedad civil» figura más de una vez" in _errors(response)
    workshop.refresh_from_db()
    assert workshop.place == "Piura"
    assert not WorkshopParticipation.objects.filter(workshop=workshop).exists()

    response = admin_client.post(url, _form(workshop, "Tumbes", [("", "universidad", "-2")]))
    assert response.status_code == 200
    assert "mayor o igual a 0" in _errors(response)
    assert not WorkshopParticipation.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="admin.").exists()


def test_admin_workshop_is_edited_by_rector_staff_only(
    client: Client, plan: ActionPlan, make_user: Callable[..., User]
) -> None:
    workshop = Workshop.objects.create(plan=plan, label="T4", place="Puno", date_text="2015")
    staff = make_user("personal-talleres", is_staff=True, totp=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="workshop"))
    login(client, staff)
    url = f"/admin/commitments/workshop/{workshop.pk}/change/"
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, _form(workshop, "Juliaca", []))
    assert response.status_code == 403
    workshop.refresh_from_db()
    assert workshop.place == "Puno"


def test_admin_evidence_links_to_the_checked_view_never_media(
    admin_client: Client, commitment: Commitment, manager: User
) -> None:
    update = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Se publicó la resolución del padrón.",
        files=[
            SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        ],
    )
    evidence = update.files.get()
    page = admin_client.get(f"/admin/commitments/commitmentupdate/{update.pk}/change/")
    html = page.content.decode()
    assert f'href="/compromisos/evidencias/{evidence.pk}/"' in html
    assert "/media/" not in html


def test_admin_link_changes_and_password_changes_are_audited(
    admin_client: Client, rector: User, make_user: Any
) -> None:
    """Many-to-many links (a forum's secretariat: who manages it) are saved after the object
    and recorded apart; the admin's password form too, never the password."""
    from django.forms.models import model_to_dict

    from agora.participation.models import Forum

    forum = Forum.objects.create(
        name="Foro de prueba",
        slug="foro-de-prueba",
        sector="Ambiente",
        scope="nacional",
        purpose="Probar.",
    )
    staff = make_user("secretaria-nueva", is_rector=True)
    response = admin_client.post(
        f"/admin/participation/forum/{forum.pk}/change/",
        {
            **{
                key: value
                for key, value in model_to_dict(forum).items()
                if value is not None and key != "secretariat"
            },
            "secretariat": [str(staff.pk)],
            "seat_rules-TOTAL_FORMS": "0",
            "seat_rules-INITIAL_FORMS": "0",
            "seat_rules-MIN_NUM_FORMS": "0",
            "seat_rules-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line
    ]
    links = AuditEvent.objects.get(verb="admin.forum.vinculos", object_id=str(forum.pk))
    assert links.before == {"secretariat": []} and links.after == {"secretariat": [staff.pk]}

    person = make_user("persona-clave")
    response = admin_client.post(
        f"/admin/core/user/{person.pk}/password/",
        {"password1": "Otra-clave-segura-2026", "password2": "Otra-clave-segura-2026"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="admin.user.contrasena", object_id=str(person.pk))
    assert "Otra-clave" not in str(event.after) and "pbkdf2" not in str(event.after)


def test_representatives_are_read_only_in_the_admin(admin_client: Client) -> None:
    """Named only through the forum's management page (the service checks the one-place rule)."""
    assert admin_client.get("/admin/participation/representative/").status_code == 200
    assert admin_client.get("/admin/participation/representative/add/").status_code == 403
