"""Named state changes of the screening side, one module per job:

- `intake`: the patient's intake (start, save a step, submit, update);
- `policy`: the screening policy and medication knowledge in force, and
  every change to them (recorded, versioned);
- `screen`: screen one intake and store its current result and flags;
- `rescreen`: re-screen stored intakes in bulk, with its PostgreSQL COPY
  writer in `rescreen_copy`.
"""
