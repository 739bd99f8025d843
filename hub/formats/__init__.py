"""How the portal writes dates (FORMAT_MODULE_PATH points here).

English: Django's `en` formats are American (`12/07/2026`, `7 p.m.`), which a reader in Lima or
São Paulo who switched to English would take for 12 July; the hub writes short dates as ISO
8601 (`2026-12-07`) and times on the 24-hour clock instead. Spanish and Brazilian Portuguese keep
Django's formats (`07/12/2026 19:00`, `7 de diciembre de 2026`).

The month and weekday names are words, not formats: `names` lists them so that the hub's
catalogues can write them in lower case, as Portuguese does."""
