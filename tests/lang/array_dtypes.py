# numpy 1.24 value-based casting: a Python scalar does not widen an array
a = np.array([1, 2, 3], dtype=np.int16)
(a + 1).dtype, (a + 100000).dtype, (a * 2.5).dtype, (a + True).dtype, (a / 2).dtype
(a + np.int64(5)).dtype, (a + np.float32(1)).dtype, (a + np.array([1])).dtype
u = np.array([200], dtype=np.uint8)
u + 100, (u + 300).dtype, u - 201
f = np.array([1.5], dtype=np.float32)
(f + 1.5).dtype, (f * 2).dtype, (f + np.float64(1)).dtype
