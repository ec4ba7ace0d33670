"""The message classifier, by part: ``corpus`` (the labelled lines and the held-out split),
``features`` (what the model reads of a message), ``scoring`` (the trained model and its
per-token score tables), ``training``, ``storage`` (versions in the database, cached per
process) and ``evaluation``. Callers import ``agora.language.model``, which re-exports them.

Stored models are pickled: a pickle names each class by module and name, and the models in the
database name them ``agora.language.model.<Class>``, where they were defined before this
package. The pickled classes keep that name (``PICKLED_AS``, importable there through the
re-exports): models stored before the split load, and models stored now load in a process
that still runs the earlier code.
"""

PICKLED_AS = "agora.language.model"
