td.imagse
