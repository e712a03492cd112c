# Distributed mode only: Blocks follow the mode of the images they are cut
# from, and a function applied to blocks cannot use distributed Blocks
# itself (every rank would have to take part); the session goes on.
data = td.images.fromarray(np.arange(6 * 4 * 6).reshape(6, 4, 6))
b = data.toblocks((2, 3))
print(b.mode, b.count(), b.toimages().mode)
# fewer blocks than ranks: whole on every rank, still distributed data
whole = data.toblocks()
print(whole.mode, whole.count(), whole.map(lambda x: x + 1).mode, whole.toimages().mode)
# from local images: local Blocks, local images back
loc = data.tolocal().toblocks((2, 3))
print(loc.mode, loc.map(lambda x: x + 1).mode, loc.toimages().mode)
b.map(lambda x: x * b.count())
