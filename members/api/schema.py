"""OpenAPI description of the API key authentication (read by drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "members.authentication.APIKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organisation API key: `Authorization: Bearer ata_...`.",
        }
