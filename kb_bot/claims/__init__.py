"""Deadlines and claims: the declaration register and alerts, the 返還金・徴収金 ledger, the dunning
export and the bulk 介護保険料加算. See ``docs/claims.md``.

Layers: pure rules (``calendar``, ``ledger``) → database models (``models``) → services taking a
session and the acting user (``cases``, ``service``, ``deadlines``, ``lists``, ``dunning``, ``kaigo``),
which the CLI (``kb_bot.commands``) and the app call. Shared by both surfaces: the input forms
(``forms``: one parser per input and the event form) and the views (``lists.Table``, ``summary``). The app's
side is ``handlers`` (plain values in and out) and ``web`` (the Gradio tabs).
"""
