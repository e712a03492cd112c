# strings: concatenation, repetition, indexing by character, slicing, escapes
'ab' + 'cd', 'ab' * 3, 3 * 'ab', 'ab' * 0, 'ab' * -1, '' * 5
'hello'[1], 'hello'[-1], 'hello'[1:3], 'hello'[::-1], 'hello'[::2], 'hello'[10:], 'hello'[-100:2]
'hello'[4:1:-1], 'hello'[:-2], 'hello'[True]
'it\'s', "a\"b'c", 'tab\there', 'nl\n', 'back\\slash', '\x01', 'a' 'b'
s = 'héllo wörld'
len(s), s[1], s[::-1], s[-5:], s[1:8:3]
print(s)
