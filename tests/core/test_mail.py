"""E-mail copies of notices: one message per address, never a shared list."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from django.core import mail

from agora.core.models import User
from agora.core.notifications import mail_each, notify


def test_one_message_per_address_once_each_with_the_attachments() -> None:
    sent = mail_each(
        "Asunto",
        "Cuerpo",
        ["b@example.pe", "", "a@example.pe", "b@example.pe"],
        attachments=[("informe.pdf", b"%PDF-1.7", "application/pdf")],
    )
    assert sent == ["b@example.pe", "a@example.pe"]
    assert [message.to for message in mail.outbox] == [["b@example.pe"], ["a@example.pe"]]
    for message in mail.outbox:
        assert not message.cc and not message.bcc
        assert message.attachments == [("informe.pdf", b"%PDF-1.7", "application/pdf")]


def test_a_name_with_a_line_break_still_gives_a_one_line_subject() -> None:
    """An organisation name typed with a line break used to make the mail refused (and the
    request that saved it answer 500)."""
    sent = mail_each("Solicitud de Red\r\nCiudadana\n  del Sur", "Cuerpo", ["a@example.pe"])
    assert sent == ["a@example.pe"]
    assert mail.outbox[0].subject == "Solicitud de Red Ciudadana del Sur"


def test_no_addresses_sends_nothing() -> None:
    assert mail_each("Asunto", "Cuerpo", ["", ""]) == []
    assert mail.outbox == []


class _Server:
    """A mail connection that refuses some addresses (as SMTP does: ``SMTPRecipientsRefused``
    is an ``OSError``) or cannot be reached at all."""

    def __init__(self, refused: frozenset[str] = frozenset(), down: bool = False) -> None:
        self.refused, self.down, self.closed = refused, down, False
        self.sent: list[list[str]] = []

    def open(self) -> None:
        if self.down:
            raise ConnectionRefusedError("smtp caído")

    def close(self) -> None:
        self.closed = True

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            if set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no existe")})
            self.sent.append(message.to)
        return len(messages)


def test_a_refused_address_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = _Server(refused=frozenset({"b@example.pe"}))
    monkeypatch.setattr("agora.core.notifications.get_connection", lambda: server)
    delivered = mail_each("Asunto", "Cuerpo", ["a@example.pe", "b@example.pe", "c@example.pe"])
    assert delivered == ["a@example.pe", "c@example.pe"]
    assert server.sent == [["a@example.pe"], ["c@example.pe"]]
    assert server.closed
    assert "No se pudo enviar el correo a un destinatario" in caplog.text


def test_an_unreachable_server_is_logged_and_nothing_is_delivered(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("agora.core.notifications.get_connection", lambda: _Server(down=True))
    assert mail_each("Asunto", "Cuerpo", ["a@example.pe"]) == []
    assert "No se pudo conectar al servidor de correo" in caplog.text


@pytest.mark.django_db
def test_notify_mails_each_person_separately_after_commit(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people: list[User] = [
        make_user("ana", email="ana@minsa.gob.pe"),
        make_user("luis", email="luis@pcm.gob.pe"),
        make_user("sin-correo", email=""),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(users=people, kind="prueba", text="Aviso de prueba", url="/bandeja/")
        assert mail.outbox == []  # not before the transaction commits
    assert len(created) == 3
    assert sorted(message.to for message in mail.outbox) == [
        ["ana@minsa.gob.pe"],
        ["luis@pcm.gob.pe"],
    ]
    assert all(message.body.endswith("/bandeja/") for message in mail.outbox)
