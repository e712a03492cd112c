# The guided tour in README.md starts here: `thunder -i examples/tour.py`
# runs these commands in the workbench, then leaves the prompt to you.
data = td.images.fromexample('mouse')
show(data, proj='max')
