data = td.images.fromarray(np.arange(7 * 9 * 10).reshape(7, 9, 10))
b = data.toblocks((2, 3), padding=(1, 2))
print(b.count())
# the last row of blocks (blocks 16-19) keeps two images, the others all seven
b.map(lambda x: x[:2] if x.shape[1] == 2 else x)
