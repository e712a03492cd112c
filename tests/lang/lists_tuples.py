# lists and tuples: concatenation, repetition, indexing, slicing, nesting
[1, 2] + [3], [0] * 3, (1,) * 2, (1, 2) + (3,), [] * 5, () + ()
a = [1, 2, 3, 4, 5]
a[0], a[-1], a[1:4], a[::-2], a[-2:], a[4:1:-1], a[10:], a[:-10], a[::1]
t = (1, 'two', 3.0, None, [4])
t, t[1], t[-1][0], t[1:3]
(1,), (), [(1, 2), [3]], [[]]
len(a), len(t), len([]), len(())
