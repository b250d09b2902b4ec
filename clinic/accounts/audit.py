"""The audit log (django-auditlog) of rows created in bulk.

`bulk_create` sends no signals, so auditlog does not see the rows it
inserts. `log_created(instances)` writes, in one query, the CREATE entries
auditlog would have written had each been saved on its own: the same field
diff, representation, serialised data, correlation id, and the actor and
address of an `auditlog.context.set_actor` block (through the same pre_save
receiver). Nothing is written for a model auditlog does not log, or while
`auditlog.context.disable_auditlog` is in force.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import pre_save


def log_created(instances: Sequence[Model]) -> None:
    """Write auditlog's CREATE entries for these rows of one model, just
    inserted (bulk_create, in this transaction)."""
    from auditlog import get_logentry_model
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_disabled
    from auditlog.diff import model_instance_diff
    from auditlog.registry import auditlog
    from auditlog.signals import post_log, pre_log
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import smart_str

    if not instances or auditlog_disabled.get():
        return
    model = type(instances[0])
    if not auditlog.contains(model):
        return
    LogEntry = get_logentry_model()
    content_type = ContentType.objects.get_for_model(model)
    as_json = settings.AUDITLOG_STORE_JSON_CHANGES
    cid = get_cid()
    # Rows just inserted have nothing pointing at them yet: their reverse
    # one-to-one relations are known to be empty, so the diff need not ask
    # the database about each (auditlog's would, and find nothing).
    reverse_one_to_one = [
        f for f in model._meta.get_fields() if f.one_to_one and f.auto_created and not f.concrete
    ]
    entries = []
    logged = []
    for instance in instances:
        for relation in reverse_one_to_one:
            if not relation.is_cached(instance):
                relation.set_cached_value(instance, None)
        # As auditlog.receivers._create_log_entry and LogEntryManager.log_create do.
        pre_log_results = pre_log.send(model, instance=instance, action=LogEntry.Action.CREATE)
        if any(result is False for _, result in pre_log_results):
            continue
        changes = model_instance_diff(None, instance, use_json_for_changes=as_json)
        if not changes:
            continue
        pk = instance.pk
        entry = LogEntry(
            content_type=content_type,
            object_pk=str(pk),
            object_id=pk if isinstance(pk, int) else None,
            object_repr=smart_str(instance),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(instance),
            action=LogEntry.Action.CREATE,
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
        logged.append((instance, changes, pre_log_results))
    LogEntry.objects.bulk_create(entries)
    for entry, (instance, changes, pre_log_results) in zip(entries, logged, strict=True):
        post_log.send(
            model,
            instance=instance,
            instance_old=None,
            action=LogEntry.Action.CREATE,
            error=None,
            pre_log_results=pre_log_results,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=as_json,
        )
