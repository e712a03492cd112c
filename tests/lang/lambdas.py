# lambdas: defaults, keywords, closures, call-time globals, recursion
f = lambda x, y=2: x * y
f(3), f(3, 4), f(y=5, x=1), f(*[2, 3]), f(*(7,))
g = lambda a: lambda b: a + b
g(1)(2)
add3 = g(3)
add10 = g(10)
add3(10), add10(10), add3(add10(0))
fact = lambda n: 1 if n <= 1 else n * fact(n - 1)
fact(10), fact(20)
h = lambda: k * 2
k = 21
h()
k = 'ab'
h()
(lambda: 'no params')()
compose = lambda f1, f2: lambda v: f1(f2(v))
compose(lambda v: v + 1, lambda v: v * 10)(4)
three = lambda a, b, c: (a, b, c)
three(1, c=3, b=2)
fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)
fib(15)
