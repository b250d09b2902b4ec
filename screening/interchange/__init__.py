"""Moving intakes in and out: import of `clinic-intake/1` documents, export
as documents or as FHIR R4 Bundles, and reading inputs for the commands."""

from screening.interchange.exporting import intake_export_document
from screening.interchange.fhir import intake_fhir_bundle
from screening.interchange.importing import ImportOutcome, document_hash, intake_import
from screening.interchange.sources import Source, expand_paths, read_source, read_sources

__all__ = [
    "ImportOutcome",
    "Source",
    "document_hash",
    "expand_paths",
    "intake_export_document",
    "intake_fhir_bundle",
    "intake_import",
    "read_source",
    "read_sources",
]
