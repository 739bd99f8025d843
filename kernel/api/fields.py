from rest_framework import serializers

from kernel.vocabulary import TLP


class TLPField(serializers.ChoiceField):
    """TLP labels on the wire (`amber+strict`), ranks in the database. `levels` narrows the
    accepted ones (an agreement's max_tlp cannot be red)."""

    def __init__(self, levels=tuple(TLP), **kwargs):
        super().__init__(choices=[t.label for t in levels], **kwargs)

    def to_internal_value(self, data):
        return TLP.from_label(super().to_internal_value(data)).value

    def to_representation(self, value):
        return TLP(value).label
