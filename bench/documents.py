"""Varied, valid clinic-intake/1 documents for the benchmarks (seeded, so
every run screens the same set)."""

from __future__ import annotations

import datetime
import random
from typing import Any

GIVEN = ["Dana", "Ali", "Maria", "Chen", "Olu", "Sam", "Ines", "Ravi", "Lena", "Jo"]
FAMILY = ["Reyes", "Okafor", "Smith", "Nguyen", "Garcia", "Kowalski", "Haddad", "Lund"]
ANTIDEPRESSANTS = [
    "sertraline",
    "Zoloft",
    "Effexor XR",
    "escitalopram",
    "Lexapro",
    "fluoxetine",
    "bupropion XL",
    "Wellbutrin",
    "duloxetine",
    "mirtazapine",
    "Trintellix",
    "nortriptyline",
    "vilazodone",
    "made-up-drug",
]
CURRENT = [
    "lorazepam",
    "Xanax XR",
    "Adderall",
    "lisinopril",
    "metformin",
    "Nardil",
    "clozapine",
    "levothyroxine",
    "Concerta",
    "ibuprofen",
]
DEVICES = ["pacemaker_or_icd", "cochlear_implant", "medication_pump", "aneurysm_clip_or_coil"]
RESPONSES = ["none", "partial", "response", "remission", "unknown"]
COMPLETED = datetime.date(2026, 11, 2)


def _trial(rng: random.Random) -> dict[str, Any]:
    return {
        "medication": rng.choice(ANTIDEPRESSANTS),
        "max_daily_dose_mg": rng.choice([None, 10, 20, 50, 100, 150, 225, 300]),
        "duration_weeks": rng.choice([2, 4, 5.9, 6, 8, 12, 26]),
        "current_episode": rng.random() < 0.7,
        "response": rng.choice(RESPONSES),
        "stopped_for_side_effects": rng.random() < 0.2,
    }


def make_document(n: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed * 1_000_003 + n)
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    born = datetime.date(rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
    thoughts = rng.random() < 0.15
    lifetime = rng.random() < 0.1
    bp = None
    if rng.random() < 0.85:
        systolic = rng.randint(100, 200)
        bp = {
            "systolic": systolic,
            "diastolic": rng.randint(60, min(125, systolic - 1)),
            "measured_on": (COMPLETED - datetime.timedelta(days=rng.randint(0, 200))).isoformat(),
        }
    yes = lambda p: rng.random() < p  # noqa: E731
    return {
        "format": "clinic-intake/1",
        "external_id": f"BENCH-{seed}-{n}" if yes(0.5) else None,
        "completed_on": COMPLETED.isoformat(),
        "patient": {
            "given_name": given,
            "family_name": family,
            "date_of_birth": born.isoformat(),
            "sex_at_birth": rng.choice(["female", "male", "intersex", "unknown"]),
            "email": f"bench{seed}.{n}@example.org",
            "phone": None,
            "preferred_language": rng.choice(["en", "es"]),
            "referring_clinician": None,
            "insurance": None,
        },
        "depression": {
            "current_episode_months": rng.randint(0, 120),
            "phq9": [rng.randint(0, 3) for _ in range(9)],
            "gad7": [rng.randint(0, 3) for _ in range(7)] if yes(0.8) else None,
        },
        "suicide_screen": {
            "wish_to_be_dead": yes(0.3),
            "suicidal_thoughts": thoughts,
            "method": yes(0.3) if thoughts else None,
            "intent": yes(0.2) if thoughts else None,
            "plan": yes(0.1) if thoughts else None,
            "behavior_lifetime": lifetime,
            "behavior_past_3_months": yes(0.3) if lifetime else None,
        },
        "antidepressant_trials": [_trial(rng) for _ in range(rng.randint(0, 5))],
        "augmentation_trials": [_trial(rng) for _ in range(rng.randint(0, 1))],
        "psychotherapy": [
            {
                "modality": "cbt",
                "sessions": rng.randint(1, 30),
                "current_episode": yes(0.5),
                "response": rng.choice(RESPONSES),
            }
        ]
        if yes(0.5)
        else [],
        "procedures": [
            {
                "treatment": rng.choice(["ect", "tms", "iv_ketamine", "esketamine"]),
                "sessions": rng.randint(1, 30),
                "year": rng.randint(2010, 2026),
                "response": rng.choice(RESPONSES),
            }
        ]
        if yes(0.2)
        else [],
        "psychiatric_history": {
            "bipolar_disorder": yes(0.05),
            "psychotic_disorder": yes(0.03),
            "psychotic_symptoms_current": yes(0.03),
            "psychiatric_hospitalizations": rng.randint(0, 3),
        },
        "blood_pressure": bp,
        "medical_history": {
            "hypertension": yes(0.2),
            "hypertension_medication": yes(0.15),
            "aneurysmal_vascular_disease": yes(0.01),
            "arteriovenous_malformation": yes(0.01),
            "intracerebral_hemorrhage": yes(0.01),
            "myocardial_infarction_months_ago": rng.randint(0, 24) if yes(0.05) else None,
            "stroke_months_ago": rng.randint(0, 24) if yes(0.03) else None,
            "unstable_heart_disease": yes(0.02),
            "raised_intracranial_pressure": yes(0.01),
            "seizure_disorder": yes(0.03),
            "head_injury_with_loss_of_consciousness": yes(0.05),
            "metal_in_head": yes(0.02),
            "implanted_devices": [rng.choice(DEVICES)] if yes(0.05) else [],
            "glaucoma": yes(0.03),
            "interstitial_cystitis": yes(0.02),
            "liver_disease": yes(0.02),
            "pregnant": yes(0.02),
            "breastfeeding": yes(0.02),
        },
        "substance_use": {
            "audit_c": [rng.randint(0, 4) for _ in range(3)],
            "dast10": [yes(0.1) for _ in range(10)],
            "ketamine_or_pcp_nonmedical_use": yes(0.03),
            "substance_use_disorder_history": yes(0.08),
        },
        "current_medications": [
            {"name": rng.choice(CURRENT), "daily_dose_mg": rng.choice([None, 1, 10, 50])}
            for _ in range(rng.randint(0, 3))
        ],
        "allergies": rng.sample(["penicillin", "ketamine", "latex", "sulfa"], rng.randint(0, 2)),
        "consent": {
            "agreed": True,
            "signed_name": f"{given} {family}",
            "signed_at": f"{COMPLETED.isoformat()}T10:15:00-05:00",
        },
    }
