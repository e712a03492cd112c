/* docs/reference.md, generated from the registry's tables. */
#ifndef THUNDER_REFERENCE_H
#define THUNDER_REFERENCE_H

struct strbuf;

/* Appends the command reference in Markdown: one section per table, one
 * entry per function with its signature and doc. */
void reference_markdown(struct strbuf *sb);

#endif
