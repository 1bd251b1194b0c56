"""The vocabulary every stage shares: the records (model), the errors, the settings (the one
reader of the config file and the environment), text and link cleaning, signed tokens, the
template environment, languages (i18n.py and its catalogs in locale/), TOML reading and the
clock.

Imports nothing else of the package. Pure but for settings.py, tomlfile.py and clock.py,
which are the only places that read the config, the environment (and the generated secret
key beside the database) and the time, and i18n.py, which reads the bundled catalogs.
"""
