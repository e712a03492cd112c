# nor one of its ancestors
import thunder as td
td.images.fromrandom().tobinary('..', overwrite=True)
