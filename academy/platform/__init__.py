"""The web platform: database, cache, security, languages, errors, configuration.  It knows nothing of the
product's features; every other package may use it."""
