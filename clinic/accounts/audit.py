"""The audit log (django-auditlog) of rows written in bulk.

`bulk_create` and `QuerySet.update` send no signals, so auditlog does not
see the rows they write. `log_created(instances)` and `log_updated(pairs,
fields)` write, in one query each, the entries auditlog would have written
had each row been saved on its own (`save()`, `save(update_fields=...)`):
the same field diff, representation, serialised data, correlation id, and
the actor and address of an `auditlog.context.set_actor` block (through the
same pre_save receiver). Nothing is written for a model auditlog does not
log, or while `auditlog.context.disable_auditlog` is in force.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import pre_save


def log_created(instances: Sequence[Model]) -> None:
    """Write auditlog's CREATE entries for these rows of one model, just
    inserted (bulk_create, in this transaction)."""
    if not instances:
        return
    # Rows just inserted have nothing pointing at them yet: their reverse
    # one-to-one relations are known to be empty, so the diff need not ask
    # the database about each (auditlog's would, and find nothing).
    model = type(instances[0])
    reverse_one_to_one = [
        f for f in model._meta.get_fields() if f.one_to_one and f.auto_created and not f.concrete
    ]
    for instance in instances:
        for relation in reverse_one_to_one:
            if not relation.is_cached(instance):
                relation.set_cached_value(instance, None)
    _log("CREATE", [(None, instance) for instance in instances], None)


def log_updated(pairs: Sequence[tuple[Model, Model]], fields: Sequence[str]) -> None:
    """Write auditlog's UPDATE entries for rows of one model changed in
    bulk, given as (row before, row after), as `save(update_fields=fields)`
    of each would have."""
    _log("UPDATE", pairs, list(fields))


def _log(action_name: str, pairs, fields_to_check) -> None:
    # As auditlog.receivers._create_log_entry and LogEntryManager.log_create do.
    from auditlog import get_logentry_model
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_disabled
    from auditlog.diff import model_instance_diff
    from auditlog.registry import auditlog
    from auditlog.signals import post_log, pre_log
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import smart_str

    if not pairs or auditlog_disabled.get():
        return
    model = type(pairs[0][1])
    if not auditlog.contains(model):
        return
    LogEntry = get_logentry_model()
    action = getattr(LogEntry.Action, action_name)
    content_type = ContentType.objects.get_for_model(model)
    as_json = settings.AUDITLOG_STORE_JSON_CHANGES
    cid = get_cid()
    entries = []
    logged = []
    for old, instance in pairs:
        pre_log_results = pre_log.send(model, instance=instance, action=action)
        if any(result is False for _, result in pre_log_results):
            continue
        changes = model_instance_diff(
            old, instance, fields_to_check=fields_to_check, use_json_for_changes=as_json
        )
        if not changes:
            continue
        pk = instance.pk
        entry = LogEntry(
            content_type=content_type,
            object_pk=str(pk),
            object_id=pk if isinstance(pk, int) else None,
            object_repr=smart_str(instance),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(instance),
            action=action,
            changes=changes,
            cid=cid,
        )
        get_additional_data = getattr(instance, "get_additional_data", None)
        if callable(get_additional_data):
            entry.additional_data = get_additional_data()
        # The actor and remote address of a set_actor block are filled in by
        # auditlog's own pre_save receiver; bulk_create would not call it.
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=None, update_fields=None)
        entries.append(entry)
        logged.append((old, instance, changes, pre_log_results))
    LogEntry.objects.bulk_create(entries)
    for entry, (old, instance, changes, pre_log_results) in zip(entries, logged, strict=True):
        post_log.send(
            model,
            instance=instance,
            instance_old=old,
            action=action,
            error=None,
            pre_log_results=pre_log_results,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=as_json,
        )
