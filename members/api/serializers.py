from rest_framework import serializers

from ..models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["slug", "name", "kind", "country", "status", "created_at"]
        read_only_fields = fields

    def get_status(self, org: Organization) -> str:
        return "suspended" if org.is_suspended else "active"
