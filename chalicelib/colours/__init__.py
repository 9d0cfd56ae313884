"""Colours: the rule table, the facts behind a colour, recolouring and expiry, stored
colours."""
