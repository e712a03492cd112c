data = td.images.fromarray(np.arange(5 * 4 * 6).reshape(5, 4, 6))
# five pixels along the first image axis, which has four
data.map_as_series(lambda x: x + 1, chunk_size=(5, 3))
