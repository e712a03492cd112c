# a path that selects no files
import thunder as td
td.images.fromtif('nothing-here')
