from thunder import images
from thunder import foo
