"""Serializer building blocks shared by the apps' APIs."""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import fields as drf_fields
from rest_framework import relations

# field classes whose value is a model column read as it is
_COLUMN_FIELDS = (
    drf_fields.BooleanField,
    drf_fields.CharField,
    drf_fields.ChoiceField,
    drf_fields.DateField,
    drf_fields.DateTimeField,
    drf_fields.DecimalField,
    drf_fields.DictField,
    drf_fields.FloatField,
    drf_fields.IntegerField,
    drf_fields.JSONField,
    drf_fields.ListField,
    drf_fields.ModelField,
    drf_fields.ReadOnlyField,
    drf_fields.TimeField,
)


def _identity(value):
    return value


class QuickRepresentation:
    """A model serializer's output, written without DRF's per-row, per-field lookup.

    DRF asks every field of every row how to read its attribute (about 35 calls a row
    for a customer); on a list of 50 that is most of the request's Python time. Here
    each readable field is planned once per serializer: a plain model column is read
    with ``getattr`` and converted by the field's own ``to_representation``; a
    primary-key relation answers its ``<name>_id`` column, as DRF does, without
    loading the related row. Anything else (method fields, nested serializers, dotted
    or ``*`` sources, pk fields with their own format) takes DRF's usual path. The
    output is the same, key for key (tested against DRF's own).
    """

    def _representation_plan(self):
        plan = self.__dict__.get("_quick_plan")
        if plan is None:
            plan = [self._plan_field(field) for field in self._readable_fields]
            self.__dict__["_quick_plan"] = plan
        return plan

    def _plan_field(self, field):
        model = self.Meta.model
        source = field.source_attrs[0] if len(field.source_attrs) == 1 else None
        column = None
        if source is not None:
            try:
                column = model._meta.get_field(source)
            except FieldDoesNotExist:  # a property or method: DRF's path
                column = None
        if column is not None and getattr(column, "concrete", False):
            if (
                isinstance(field, relations.PrimaryKeyRelatedField)
                and field.pk_field is None
                and column.many_to_one
            ):
                return (field.field_name, column.attname, _identity, None)
            if isinstance(field, _COLUMN_FIELDS) and not column.is_relation:
                return (field.field_name, column.attname, field.to_representation, None)
        return (field.field_name, None, None, field)

    def to_representation(self, instance):
        data = {}
        for name, attname, convert, field in self._representation_plan():
            if field is None:
                value = getattr(instance, attname)
                data[name] = None if value is None else convert(value)
                continue
            try:
                attribute = field.get_attribute(instance)
            except drf_fields.SkipField:
                continue
            present = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
            data[name] = None if present is None else field.to_representation(attribute)
        return data
