# map_as_series with a chunk or block size: checked against the whole images,
# the same values whatever the size
data = td.images.fromarray(np.arange(5 * 4 * 6).reshape(5, 4, 6))
print(data.map_as_series(lambda x: x * 1.5, dtype='float32', block_size=(1, 2)).toarray()[4, 3])
print(data.map_as_series(lambda x: x + 1, chunk_size='0.01').toarray()[1, 2])
print(data.map_as_series(lambda x: x[:2], value_size=2, chunk_size=(2, 3)).shape)
