"""The TAXII 2.1 server at /taxii2/ (docs/taxii.md, "Server")."""
