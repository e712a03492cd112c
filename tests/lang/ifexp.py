# conditional expressions
'yes' if 1 else 'no', 'yes' if [] else 'no'
1 if 0 else 2 if 0 else 3
x = 7
'odd' if x % 2 else 'even'
(lambda n: 'neg' if n < 0 else 'zero' if n == 0 else 'pos')(-2)
