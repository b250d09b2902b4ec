"""Benchmark of the pure-Python screening engine (no Django, no database).

    .venv/bin/python bench/bench_engine.py [--runs 20000] [--docs 2000] [--strict]

Prints the mean microseconds per screen() on an already-parsed document, for
each worked example and for a mix of varied documents, then parse+screen per
document (from a dict and from JSON text). Wall-clock (perf_counter) and CPU
(process_time) means are both shown: on a busy machine the CPU figure is the
engine's own cost. Target: screen() under 50 µs on average; --strict exits 1
when the CPU mean of any screen() line is above it.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.engine import parse_document, screen  # noqa: E402

EXAMPLES = ROOT / "tests" / "screening" / "engine" / "examples"
TARGET_US = 50.0

ANTIDEPRESSANTS = [
    "sertraline", "Zoloft", "Effexor XR", "escitalopram", "Lexapro", "fluoxetine",
    "bupropion XL", "Wellbutrin", "duloxetine", "mirtazapine", "Trintellix", "nortriptyline",
    "vilazodone", "Sertraline HCl", "made-up drug", "lithium",
]  # fmt: skip
CURRENT = [
    "lorazepam", "Xanax XR", "Adderall", "lisinopril", "metformin", "Nardil", "clozapine",
    "levothyroxine", "Concerta", "ibuprofen", "methylene blue", "Wellbutrin XL",
]  # fmt: skip
DEVICES = ["pacemaker_or_icd", "cochlear_implant", "medication_pump", "aneurysm_clip_or_coil"]
RESPONSES = ["none", "partial", "response", "remission", "unknown"]
COMPLETED = datetime.date(2026, 11, 2)


def _trial(rng: random.Random) -> dict[str, Any]:
    return {
        "medication": rng.choice(ANTIDEPRESSANTS),
        "max_daily_dose_mg": rng.choice([None, 10, 20, 50, 100, 150, 225, 300, 37.5]),
        "duration_weeks": rng.choice([2, 4, 5.9, 6, 8, 12, 26]),
        "current_episode": rng.random() < 0.7,
        "response": rng.choice(RESPONSES),
        "stopped_for_side_effects": rng.random() < 0.2,
    }


def varied_document(n: int) -> dict[str, Any]:
    """A valid document with answers varied by a seeded generator."""
    rng = random.Random(n)
    yes = rng.random
    born = datetime.date(rng.randint(1930, 2012), rng.randint(1, 12), rng.randint(1, 28))
    thoughts, lifetime = yes() < 0.2, yes() < 0.15
    bp = None
    if yes() < 0.85:
        systolic = rng.randint(100, 200)
        bp = {
            "systolic": systolic,
            "diastolic": rng.randint(60, min(125, systolic - 1)),
            "measured_on": (COMPLETED - datetime.timedelta(days=rng.randint(0, 200))).isoformat(),
        }
    medical = {
        key: yes() < 0.05
        for key in (
            "hypertension", "hypertension_medication", "aneurysmal_vascular_disease",
            "arteriovenous_malformation", "intracerebral_hemorrhage", "unstable_heart_disease",
            "raised_intracranial_pressure", "seizure_disorder",
            "head_injury_with_loss_of_consciousness", "metal_in_head", "glaucoma",
            "interstitial_cystitis", "liver_disease", "pregnant", "breastfeeding",
        )
    }  # fmt: skip
    medical["myocardial_infarction_months_ago"] = rng.choice([None] * 8 + [1, 3, 12, 30])
    medical["stroke_months_ago"] = rng.choice([None] * 9 + [2, 6, 40])
    medical["implanted_devices"] = rng.sample(DEVICES, rng.choice([0, 0, 0, 0, 1, 2]))
    return {
        "format": "clinic-intake/1",
        "external_id": f"BENCH-{n}",
        "completed_on": COMPLETED.isoformat(),
        "patient": {
            "given_name": "Dana",
            "family_name": "Reyes",
            "date_of_birth": born.isoformat(),
            "sex_at_birth": rng.choice(["female", "male", "intersex", "unknown"]),
            "email": f"bench.{n}@example.org",
        },
        "depression": {
            "current_episode_months": rng.randint(0, 120),
            "phq9": [rng.randint(0, 3) for _ in range(8)] + [rng.choice([0, 0, 0, 1, 2, 3])],
            "gad7": [rng.randint(0, 3) for _ in range(7)] if yes() < 0.8 else None,
        },
        "suicide_screen": {
            "wish_to_be_dead": yes() < 0.3,
            "suicidal_thoughts": thoughts,
            "method": (yes() < 0.4) if thoughts else None,
            "intent": (yes() < 0.2) if thoughts else None,
            "plan": (yes() < 0.2) if thoughts else None,
            "behavior_lifetime": lifetime,
            "behavior_past_3_months": (yes() < 0.3) if lifetime else None,
        },
        "antidepressant_trials": [_trial(rng) for _ in range(rng.randint(0, 5))],
        "augmentation_trials": [_trial(rng) for _ in range(rng.choice([0, 0, 1]))],
        "psychotherapy": [
            {"modality": "cbt", "sessions": 12, "current_episode": True, "response": "partial"}
        ],
        "procedures": [
            {
                "treatment": rng.choice(["ect", "tms", "iv_ketamine", "esketamine", "vns"]),
                "sessions": rng.randint(1, 36),
                "year": rng.randint(2005, 2026),
                "response": rng.choice(RESPONSES),
            }
            for _ in range(rng.choice([0, 0, 0, 1, 2]))
        ],
        "psychiatric_history": {
            "bipolar_disorder": yes() < 0.05,
            "psychotic_disorder": yes() < 0.03,
            "psychotic_symptoms_current": yes() < 0.03,
            "psychiatric_hospitalizations": rng.randint(0, 4),
        },
        "blood_pressure": bp,
        "medical_history": medical,
        "substance_use": {
            "audit_c": [rng.randint(0, 4), rng.randint(0, 2), rng.randint(0, 2)],
            "dast10": [yes() < 0.1 for _ in range(10)],
            "ketamine_or_pcp_nonmedical_use": yes() < 0.03,
            "substance_use_disorder_history": yes() < 0.08,
        },
        "current_medications": [
            {"name": rng.choice(CURRENT), "daily_dose_mg": rng.choice([None, 1, 10, 150])}
            for _ in range(rng.randint(0, 4))
        ],
        "allergies": rng.sample(["penicillin", "ketamine", "latex", "sulfa"], rng.randint(0, 2)),
        "consent": {
            "agreed": True,
            "signed_name": "dana  reyes",
            "signed_at": "2026-11-02T10:15:00-05:00",
        },
    }


def measure(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(wall µs, CPU µs) per call, best of 3 rounds of `runs` calls."""
    results = []
    gc.collect()
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(runs):
            fn()
        results.append(
            ((time.perf_counter() - wall) / runs * 1e6, (time.process_time() - cpu) / runs * 1e6)
        )
    return min(results)


def cycle(items: list[Any], fn: Callable[[Any], Any]) -> Callable[[], Any]:
    state = {"i": 0}
    n = len(items)

    def call() -> Any:
        i = state["i"]
        state["i"] = i + 1 if i + 1 < n else 0
        return fn(items[i])

    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000, help="screen() calls per line")
    parser.add_argument("--docs", type=int, default=2_000, help="varied documents in the mix")
    parser.add_argument("--strict", action="store_true", help="exit 1 above the 50 µs target")
    args = parser.parse_args()

    rows: list[tuple[str, float, float, bool]] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        doc = parse_document(path.read_text(encoding="utf-8"))
        wall, cpu = measure(lambda doc=doc: screen(doc), args.runs)
        rows.append((f"screen  {path.stem}", wall, cpu, True))

    data = [varied_document(n) for n in range(args.docs)]
    docs = [parse_document(d) for d in data]
    texts = [json.dumps(d) for d in data]
    flags = sum(len(screen(d)["flags"]) for d in docs) / len(docs)
    wall, cpu = measure(cycle(docs, screen), args.runs)
    rows.append((f"screen  varied mix ({args.docs} docs, {flags:.1f} flags each)", wall, cpu, True))

    few = max(1, args.runs // 4)
    wall, cpu = measure(cycle(data, lambda d: screen(parse_document(d))), few)
    rows.append(("parse+screen from dict", wall, cpu, False))
    wall, cpu = measure(cycle(texts, lambda t: screen(parse_document(t))), few)
    rows.append(("parse+screen from JSON text", wall, cpu, False))
    wall, cpu = measure(cycle(texts, parse_document), few)
    rows.append(("parse only from JSON text", wall, cpu, False))

    print(f"{'':58} {'wall µs':>9} {'CPU µs':>9}")
    slow = False
    for label, wall, cpu, targeted in rows:
        mark = ""
        if targeted:
            over = cpu > TARGET_US
            slow = slow or over
            mark = f"  {'ABOVE' if over else 'under'} the {TARGET_US:g} µs target"
        print(f"{label:58} {wall:9.1f} {cpu:9.1f}{mark}")
    return 1 if (slow and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
