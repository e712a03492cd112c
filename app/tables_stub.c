/* TEMPORARY: empty definitions of registry tables and hooks whose owners
 * have not landed them yet, so that app/thunder links meanwhile. Each
 * owner deletes its own block below when its file joins the build; the
 * blocks are independent. Delete this file when it is empty. */
#include <stddef.h>

#include "registry.h"
#include "value.h"

static const reg_func no_funcs[1] = {{0}};

/* --- Blocks (owner: the lead, with toblocks) --- */
const reg_table reg_blocks = {"Blocks", no_funcs, 0};
void blocks_release(struct blocks *b)
{
    (void)b;
}
int blocks_repr(struct strbuf *sb, const struct blocks *b, td_err *err)
{
    (void)sb;
    (void)b;
    (void)err;
    return 0;
}
