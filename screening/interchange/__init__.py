"""Moving intakes in and out: import of `clinic-intake/1` documents, export
as documents or as FHIR R4 Bundles, and reading inputs for the commands.

Names are imported lazily, so a command that only reads files (screen_intake)
does not pay for loading the FHIR models or the ORM-bound services.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ImportOutcome": "importing",
    "intake_import": "importing",
    "intakes_import": "importing",
    "intake_export_document": "exporting",
    "intake_export_name": "exporting",
    "intake_fhir_bundle": "fhir",
    "IMPORT_SUFFIXES": "sources",
    "Source": "sources",
    "SourceDocument": "sources",
    "documents_in": "sources",
    "expand_paths": "sources",
    "read_source": "sources",
    "read_sources": "sources",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
