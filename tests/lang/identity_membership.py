# is / is not, in / not in
x = 5
n = None
x is None, n is None, x is not None, n is not None
True is True, False is not True
3 in [1, 2, 3], 4 not in (1, 2), 'b' in 'abc', '' in 'abc', 'ab' in 'xaby', 'ba' in 'abc'
[1] in [[1], 2], 2.0 in [1, 2], None in [0, False], 'a' not in ['b']
