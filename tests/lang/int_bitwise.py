# bitwise operators on ints and bools
5 & 3, 5 | 3, 5 ^ 3, ~5, ~0, ~True
1 << 10, -16 >> 2, 16 >> 10, -1 >> 100
True & False, True | False, True ^ True
