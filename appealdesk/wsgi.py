import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
application = get_wsgi_application()

# each worker makes one tiny letter before it serves, so the first real letter is not the one
# that loads WeasyPrint and the fonts (issue 22.6); APPEALDESK_WARM_LETTERS=0 skips it
if os.environ.get("APPEALDESK_WARM_LETTERS", "1") != "0":
    from appealdesk.correspondence.warm import warm_letters

    warm_letters()
