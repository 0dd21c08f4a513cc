"""The force control room: contacts, THRIVE triage and grading, incidents, units and dispatch."""
