# Blocks of images held in shares (distributed mode: each process holds some
# of the blocks, exchanged with the images' holders), and back together
data = td.images.fromarray(np.arange(7 * 9 * 10).reshape(7, 9, 10))
b = data.toblocks((2, 3), padding=(1, 2))
print(b.count(), b.blockshape, b.padding, b.shape, b.dtype)
print(b.mode)
blocks = b.collect_blocks()
print(len(blocks), blocks[0].shape, blocks[1].shape, blocks[19].shape)
# the last block: row 8 and columns 9, with rows 7 and columns 7-8 of padding
print(blocks[19][6])
print(b.first()[0])
print((b.toarray() == data.toarray()).all())
back = b.toimages()
print(back.mode, back.shape, back.dtype, (back.toarray() == data.toarray()).all())
s = b.toseries()
print(s.mode, s.shape, s.toarray()[8, 9])
print(b.map(lambda x: x * 2).toimages().toarray()[6, 8])
# time may change size: images 0-2 plus images 3-5
t = b.map(lambda x: x[:3] + x[3:6])
print(t.shape, t.blockshape, t.padding, t.toimages().count())
print(t.toarray()[2, 0])
# dtypes promote over every block, wherever it is held
print(b.map(lambda x: x.astype('float32') if x.shape[1] == 2 else x.astype('int16')).dtype)
m = b.map(lambda x: x.sum(axis=0, keepdims=True), value_shape=(1, 2, 3), dtype='float64')
print(m.shape, m.dtype, m.toarray()[0, 8])
print(m.toseries().shape, m.toseries().toarray()[8, 9])
# fewer blocks than processes: whole on every process
one = data.toblocks()
print(one.count(), one.mode, (one.toimages().toarray() == data.toarray()).all())
# volumes, float32, and blocks from images too few to share
vol = td.images.fromarray(np.arange(2 * 4 * 5 * 6, dtype='float32').reshape(2, 4, 5, 6))
vb = vol.toblocks((2, 2, 3), padding=(1, 1, 1))
print(vb.count(), vb.blockshape, vb.dtype)
print(vb.collect_blocks()[5].shape, vb.collect_blocks()[5][1, 0, 0])
print((vb.map(lambda x: x + 1).toarray() == vol.toarray() + 1).all())
