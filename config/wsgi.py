import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Move everything loaded at start-up (Django, apps, URL patterns, translations) out of the
# garbage collector's reach: full collections then scan only per-request objects. Without this
# a 100-row case list took 150 ms at p95 (bench/case_list.py), against 64 ms at the median.
gc.freeze()
