/* placeholder until implemented */
#include "thunder.h"
