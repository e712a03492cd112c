# round: half to even, ints without ndigits; abs
round(2.5), round(3.5), round(-2.5), round(0.5), round(-0.5), round(1.4999)
round(0.125, 2), round(2.675, 2), round(1234.5678, 1), round(1234.5, -2), round(-1.25, 1), round(1.0, 3)
round(150, -2), round(250, -2), round(-150, -2), round(7, 2), round(12345, -1), round(5, -1), round(15, -1)
round(float('inf'), 2), round(1e300, 2), round(2.5, None)
abs(-3), abs(-2.5), abs(True), abs(0), abs(-0.0), abs(float('-inf'))
