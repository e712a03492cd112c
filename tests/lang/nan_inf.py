# nan and inf come from float(); nan is unequal to everything
x = float('nan')
x
x == x, x != x, x < 1, x > 1, x == 1.0
inf = float('inf')
inf, -inf, inf + 1, inf - inf, inf * 0, -inf < -1e308, inf == float('infinity')
float('-Infinity'), float('NaN'), float(' inf ')
1e308 * 10, -1e308 * 10
