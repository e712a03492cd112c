# overwrite=True never replaces the working directory
import thunder as td
td.images.fromrandom().tobinary('.', overwrite=True)
