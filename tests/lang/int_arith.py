# integers: Python's floor division and modulo, powers, bools as ints
1 + 2 * 3 - 4
-7 // 2, -7 % 2, 7 % -2, 7 // -2, -7 // -2
2 ** 10, (-2) ** 3, 0 ** 0, 2 ** -1, 2 ** -2
True + True, True * 3, -True, False - 1
7 / 2, 1 / 3, 6 / 3, -1 / 4
9223372036854775807, -9223372036854775807 - 1
3 * (4 + 5) // 2
