# frompath needs an accessor
import thunder as td
td.images.fromrandom().tobinary('b')
td.images.frompath('b')
