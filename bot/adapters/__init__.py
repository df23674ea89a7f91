"""Chat platform adapters: the only modules that import a chat platform's library.

Each adapter turns platform updates into ``bot.commands`` calls and renders
neutral messages (``AlertView``, ``Notice``, ``Reply``) for its platform. Nothing
outside this package imports ``telegram``, ``slack_bolt`` or ``slack_sdk``, so
the embedded default and the CLI never load them (a test enforces it).
"""
