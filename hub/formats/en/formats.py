# English as the hub writes it (see hub/formats/__init__.py): unambiguous short dates, 24-hour
# times. The long forms keep Django's wording ("Dec. 7, 2026").
DATE_FORMAT = "N j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
