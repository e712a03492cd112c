# and/or return the operand that decided; not gives a bool
0 or [] or 'x'
1 and 'y', 0 and 1, '' or 0, 'a' or undefined_name, 0 and undefined_name
not [], not 0.0, not 'a', not None
None or 0, [] and 1
x = 3
x > 1 and x < 5, x > 4 or x < 2, not x == 3
