"""People and the organisation: accounts, sign-in, regions and teams, and who may see whom (scope)."""
