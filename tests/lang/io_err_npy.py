# fromnpy of a file that is not a .npy
import thunder as td
td.images.fromrandom().tobinary('b')
td.series.fromnpy('b/conf.json')
