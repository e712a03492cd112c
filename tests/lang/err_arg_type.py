images.fromrandom(shape='big')
