# Series' wording for an existing path
import thunder as td
td.series.fromrandom().tobinary('s')
td.series.fromrandom().tobinary('s')
