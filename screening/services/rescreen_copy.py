"""The PostgreSQL bulk writer of `rescreen`: results and flags inserted with
COPY (no model instances, no per-row SQL)."""

from __future__ import annotations

import io
import json
from typing import Any

from django.db import connection

from screening.engine.vocabulary import MODALITIES, SEVERITY_RANK
from screening.models import Flag, ScreeningResult
from screening.services.screen import highest_rank, highest_severity_of

# The flag's per-treatment columns, in the vocabulary's order.
MODALITY_COLUMNS = ", ".join(f"for_{modality}" for modality in MODALITIES)
BACKSLASH = "\\"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_json = json.JSONEncoder(separators=(",", ":")).encode


_LZ4: dict[str, bool] = {}


def has_lz4(cursor) -> bool:
    """Whether this PostgreSQL server was built with lz4 (asked once per database)."""
    key = connection.settings_dict["NAME"]
    if key not in _LZ4:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        _LZ4[key] = bool(row and row[0])
    return _LZ4[key]


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_json(value: Any) -> str:
    # ensure_ascii JSON has no raw control characters; only backslashes need doubling.
    return _json(value).replace("\\", "\\\\")


def copy_results(outputs: list[tuple[int, dict, str, str]], version: int, now) -> None:
    """Insert results and flags with COPY (no model instances, no per-row SQL)."""
    result_table = ScreeningResult._meta.db_table
    flag_table = Flag._meta.db_table
    stamp = now.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [result_table, len(outputs)],
        )
        result_ids = [row[0] for row in cursor.fetchall()]
        results = io.StringIO()
        flags = io.StringIO()
        fixed: dict[tuple, tuple[str, str]] = {}
        for result_id, (intake_id, output, digest, text) in zip(result_ids, outputs, strict=True):
            rank = highest_rank(output)
            output_text = text.replace(BACKSLASH, BACKSLASH * 2)
            results.write(
                f"{result_id}\t{intake_id}\t{stamp}\t{_copy_text(str(output['rules_version']))}"
                f"\t{version}\tt\t{_copy_json(output['scores'])}\t{output_text}"
                f"\t{highest_severity_of(rank)}\t{digest}\n"
            )
            for f in output["flags"]:
                modalities = tuple(f["modalities"])
                columns = fixed.get((f["code"], f["severity"], modalities, f["source"]))
                if columns is None:
                    # Code, severity, treatments and source repeat across intakes.
                    m = modalities
                    columns = fixed[(f["code"], f["severity"], modalities, f["source"])] = (
                        f"{_copy_text(f['code'])}\t{f['severity']}"
                        f"\t{SEVERITY_RANK[f['severity']]}\t{_copy_json(list(m))}\t"
                        + "\t".join("t" if modality in m else "f" for modality in MODALITIES),
                        _copy_text(f["source"]),
                    )
                flags.write(
                    f"{result_id}\t{intake_id}\tt\t{columns[0]}"
                    f"\t{_copy_text(f['summary'])}\t{_copy_json(f['evidence'])}"
                    f"\t{columns[1]}\n"
                )
        results.seek(0)
        flags.seek(0)
        cursor.copy_expert(
            f"COPY {result_table} (id, intake_id, computed_at, rules_version, policy_version, "
            "is_current, scores, output, highest_severity, digest) FROM STDIN",
            results,
        )
        cursor.copy_expert(
            f"COPY {flag_table} (result_id, intake_id, is_current, code, severity, "
            f"severity_rank, modalities, {MODALITY_COLUMNS}, summary, evidence, source) "
            "FROM STDIN",
            flags,
        )
