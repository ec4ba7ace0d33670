"""/lenguaje/ayuda/ shows the model in use: its version and the threshold of each flag, those
of the version a training made current (issue #15, point 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template.defaultfilters import floatformat
from django.test import Client
from django.urls import reverse

from agora.language import services
from agora.language.taxonomy import Flag


@pytest.mark.django_db
def test_the_help_page_shows_the_current_versions_thresholds(
    client: Client, var_dir: Path, mini_corpus: Path
) -> None:
    version = services.model_train()
    assert version.is_current
    html = client.get(reverse("language:help")).content.decode()
    assert version.version in html
    flags = version.metrics["validacion_cruzada"]["flags"]
    for flag in ("insulto", "spam", "amenaza"):
        shown = floatformat(flags[flag]["umbral"], 3)  # as the template writes it
        row = html[html.index(str(Flag(flag).label), html.index("umbrales-titulo")) :]
        assert shown in row[:200], (flag, shown)
    assert "decidida por reglas" in html  # personal data: rules, no threshold
    # A newer version made current replaces what the page shows.
    newer = services.model_train(force=True)
    html = client.get(reverse("language:help")).content.decode()
    if newer.version != version.version:
        assert newer.version in html and version.version not in html
