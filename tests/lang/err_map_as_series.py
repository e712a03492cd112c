data = td.images.fromrandom(shape=(2, 3, 4))
print(data.map_as_series(lambda x: x[0:2], value_size=2).shape)
data.map_as_series(lambda x: x.sum())
