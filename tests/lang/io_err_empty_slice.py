# start/stop that select no file
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).tobinary('b')
td.images.frombinary('b', start=5, stop=9)
