"""The clinician's review: notes, flag acknowledgements, decisions, case history."""
