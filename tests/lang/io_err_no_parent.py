# the parent of the output must exist
import thunder as td
td.images.fromrandom().tobinary('a/b/c')
