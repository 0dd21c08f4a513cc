"""The public side: Your Neighbourhood pages, neighbourhood priorities ("you said, we did"),
community alerts and victim care (issue 8).

Public pages are read-only, rate-limited and cached, and show no personal data, no internal
identifiers and no exact locations (:mod:`constable.public.privacy`); staff record meetings and
priorities behind sign-in (:mod:`constable.public.priorities`). ``docs/public.md`` describes it.
"""
