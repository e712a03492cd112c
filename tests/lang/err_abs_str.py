abs('a')
