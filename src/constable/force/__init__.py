"""The organisation: force, districts, neighbourhoods, teams, people and units."""
