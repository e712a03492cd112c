# float, int, str, bool, repr conversions
int(2.9), int(-2.9), int('  -3 '), int('1_000'), int(True), int(3), int('+7'), int(), int(1e15)
float('1.5'), float(' 2 '), float('-inf'), float(3), float(True), float('1e3'), float('1_0.5'), float()
str(1.5), str([1, 'a']), str('a'), str(None), str(True), str((1,)), str(-0.0), str(), str(1e16)
bool(0), bool(''), bool('a'), bool([]), bool([0]), bool(None), bool(0.0), bool(float('nan')), bool()
repr('a'), repr(1.0), repr([None]), repr("it's")
list('abc'), tuple([1, 2]), list((1,)), list(), tuple(), tuple('ab'), list([1, [2]])
