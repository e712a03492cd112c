# a text record that is not numbers (fixture io_err_text.bad.txt)
import thunder as td
td.series.fromtext('io_err_text.bad.txt')
