float('1e5')
float('abc')
