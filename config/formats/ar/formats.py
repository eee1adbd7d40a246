# Django's Arabic formats leave the date-with-time formats unset, so they fell back to the English
# order ("10/05/2026 8:10 م"). Built from Django's own Arabic DATE_FORMAT, SHORT_DATE_FORMAT and
# TIME_FORMAT, which it reads from its `ar` module for every other name.
DATETIME_FORMAT = "j F، Y g:i A"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y g:i A"
# Django's Arabic module sets separators but no grouping, so 12345 printed ungrouped.
NUMBER_GROUPING = 3
