# the accessor returns (key, image) pairs
import thunder as td
td.images.fromrandom().tobinary('b')
td.images.frompath('b', accessor=lambda t: t[1], ext='bin')
