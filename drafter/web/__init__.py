"""``drafter serve``: the web app, a thin layer over the library like the CLI.

:func:`drafter.web.app.create_app` builds the ASGI app from :class:`drafter.web.settings.WebSettings`;
pages (Jinja templates, a little hand-written JavaScript) sit on the JSON API of
:mod:`drafter.web.api`, which calls the same public functions a notebook calls (``Drafter``,
``score``, ``ingest``, ``list_plans``, ``search``). Drafts live in :mod:`drafter.web.store`.
"""
