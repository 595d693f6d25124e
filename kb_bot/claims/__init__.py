"""Deadlines and claims: the declaration register and alerts, the 返還金・徴収金 ledger, the dunning
export and the bulk 介護保険料加算. See ``docs/claims.md``.

Layers: pure rules (``calendar``, ``ledger``) → database models (``models``) → services taking a
session and the acting user (``cases``, ``service``, ``deadlines``, ``lists``, ``dunning``, ``kaigo``),
which the CLI (``kb_bot.commands``) and the app call.
"""
