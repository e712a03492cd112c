# topng takes 2-D images or RGB(A)
import thunder as td
td.images.fromrandom(shape=(2, 3, 4, 5)).topng('p')
