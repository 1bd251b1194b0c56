"""What the clinic says on the networks: posts counted as each platform counts, fitted
under its limit, with links, hashtags and facets, and the files staff post from (pure: no
I/O beyond loading the clinic's templates, never the clock); and posting/, its edge, which
posts them.

The pure modules may import common/ only; posting/ may import common/, storage/ and the
pure modules here.
"""
