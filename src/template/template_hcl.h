/*
 * A parser for the HCL2 native syntax subset Packer and Terraform files
 * use, and (json = 1) for JSON, keeping every value's byte span and line so
 * the readers can give evidence and the fixer can splice edits.  Literals
 * (strings, numbers, booleans, null), lists and objects become values;
 * everything the tool would compute (variables, function calls, operators,
 * interpolations, for expressions) is parsed for syntax and becomes
 * HCL_UNKNOWN holding its source text.  Nothing is evaluated.
 */
#ifndef VG_TEMPLATE_HCL_H
#define VG_TEMPLATE_HCL_H

#include <stddef.h>

#include "vmxguard/common.h"

enum hcl_kind { HCL_NULL = 0, HCL_BOOL, HCL_NUMBER, HCL_STRING, HCL_LIST, HCL_OBJECT, HCL_UNKNOWN };

typedef struct hcl_value hcl_value;

/* An object item (key = value), a list element (key NULL) or an attribute. */
typedef struct hcl_item {
    char *key;          /* decoded key or attribute name; NULL in lists */
    int key_unknown;    /* the key is an expression */
    unsigned line, col; /* of the key (of the value in lists) */
    size_t off;         /* first byte of the key (of the value in lists) */
    size_t key_end;     /* byte after the key */
    hcl_value *value;
} hcl_item;

struct hcl_value {
    enum hcl_kind kind;
    char *text;         /* STRING: decoded; NUMBER, BOOL: as written; UNKNOWN: source */
    unsigned line, col; /* first byte */
    size_t off, end;    /* byte span in the source */
    hcl_item *items;    /* LIST, OBJECT */
    size_t n_items;
    int multiline; /* OBJECT/LIST: items on their own lines */
};

typedef struct hcl_block hcl_block;

typedef struct hcl_body {
    hcl_item *attrs;
    size_t n_attrs;
    hcl_block *blocks;
    size_t n_blocks;
} hcl_body;

struct hcl_block {
    char *type;
    char **labels;
    size_t n_labels;
    unsigned line;
    size_t off;   /* first byte of the type */
    size_t open;  /* the '{' */
    size_t close; /* the '}' */
    hcl_body body;
};

typedef struct hcl_file {
    const char *src; /* borrowed: the caller keeps the bytes alive */
    size_t len;
    hcl_body body;    /* native syntax */
    hcl_value *value; /* json = 1: the document's value */
    struct hcl_arena *arena;
    size_t *line_starts;
    size_t n_lines;
} hcl_file;

/* Parse src (len bytes; the caller keeps them while the file lives).
 * name is for messages.  Errors name file, line and column. */
int vg_hcl_parse(const char *src, size_t len, const char *name, int json, hcl_file **out,
                 vg_error *err);
void vg_hcl_free(hcl_file *f);

/* Lookups (first match; attribute names compare exactly, as HCL does). */
const hcl_item *vg_hcl_attr(const hcl_body *b, const char *name);
const hcl_item *vg_hcl_item(const hcl_value *obj, const char *key);
/* Line (1-based) of a byte offset. */
unsigned vg_hcl_line_of(const hcl_file *f, size_t off);

#endif
