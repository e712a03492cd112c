data = td.images.fromrandom(shape=(2, 10, 12))
print(data.toblocks((4, 5)).count())
data.toblocks((10, 5), padding=1)
