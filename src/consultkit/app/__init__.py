"""The application layer: :class:`~consultkit.app.application.Consultkit` and its verbs.

The command line, the web front door and plugins parse, call these verbs and print;
every hook fires from here.
"""
