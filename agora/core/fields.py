"""Form fields shared by the apps (issue 17: no input may give a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest id a database row can have (a 64-bit signed integer): a larger number in a form
# is an invalid choice, never a number the database cannot hold.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """The id of a row, from a hidden field or a button: a positive integer a database can
    hold, or a Spanish error."""

    default_error_messages = {
        "invalid": _("El identificador no es válido."),
        "min_value": _("El identificador no es válido."),
        "max_value": _("El identificador no es válido."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
