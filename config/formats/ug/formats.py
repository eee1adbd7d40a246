# Django's Uyghur formats have no DATETIME_FORMAT, so a date with a time fell back to the English
# "Oct. 5, 2026, 8:10 p.m.". Only the missing name is set here: Django reads every other format
# from its own `ug` module (FORMAT_MODULE_PATH modules are consulted first, name by name).
DATETIME_FORMAT = "j F Y G:i"
