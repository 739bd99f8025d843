"""STIX 2.1, a format of reports (as CSV is): `export` writes reports as STIX objects and
bundles, `parse` reads STIX objects into report inputs; `markings` and `extension` are the
vocabulary both share."""
