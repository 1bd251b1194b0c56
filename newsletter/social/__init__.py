"""Posts for the social networks: counted as each platform counts, fitted under its limit,
with links, hashtags and facets; and the files staff post from.

May import common/ only. Pure: no I/O beyond loading the clinic's templates, never the clock.
"""
