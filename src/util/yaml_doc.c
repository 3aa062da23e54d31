/*
 * vg_yaml_load and its limits (yaml_doc.h).  The check pass keeps, per
 * open collection, the expanded size of what it holds so far; a finished
 * anchored node records its size under its anchor name (a small hash, so
 * many anchors and aliases stay linear), and an alias adds the size of the
 * node it names to its parent.  Sizes are capped as they grow, so no sum
 * can overflow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/yaml_doc.h"

struct anchor {
    char *name;
    uint64_t size;
};

struct frame {
    uint64_t size;
    char *anchor; /* owned; NULL when the collection has none */
};

struct check {
    const char *name;
    vg_error *err;
    uint64_t limit;    /* largest total expansion of all aliases */
    uint64_t expanded; /* what the aliases seen so far stand for */
    struct frame stack[VG_YAML_MAX_DEPTH + 1];
    int depth;
    uint64_t root;     /* size of finished top-level nodes */
    struct anchor *tab; /* open addressing, capacity cap (a power of two) */
    size_t cap, used;
    size_t n_anchors, n_aliases;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct anchor *slot(struct check *c, const char *name)
{
    size_t i = (size_t)hash(name) & (c->cap - 1);
    while (c->tab[i].name && strcmp(c->tab[i].name, name) != 0)
        i = (i + 1) & (c->cap - 1);
    return &c->tab[i];
}

static int grow(struct check *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 64;
    struct anchor *old = c->tab;
    size_t ocap = c->cap;
    c->tab = calloc(ncap, sizeof *c->tab);
    if (!c->tab) {
        c->tab = old;
        return -1;
    }
    c->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].name)
            *slot(c, old[i].name) = old[i];
    }
    free(old);
    return 0;
}

/* Record (or redefine: the latest definition wins) anchor name; takes name. */
static int define(struct check *c, char *name, uint64_t size)
{
    if ((c->used + 1) * 2 > c->cap && grow(c) != 0) {
        free(name);
        return -1;
    }
    struct anchor *a = slot(c, name);
    if (a->name) {
        free(name);
    } else {
        a->name = name;
        c->used++;
    }
    a->size = size;
    return 0;
}

static void add_size(struct check *c, uint64_t n)
{
    uint64_t *to = c->depth ? &c->stack[c->depth - 1].size : &c->root;
    uint64_t cap = c->limit + 1;
    *to = *to + n > cap ? cap : *to + n;
}

static int fail(struct check *c, const yaml_event_t *ev, int code, const char *what)
{
    return vg_error_set(c->err, code, c->name, (unsigned)ev->start_mark.line + 1, "%s", what);
}

static char *dup_anchor(const yaml_char_t *a)
{
    return a ? strdup((const char *)a) : NULL;
}

/* libyaml's loader looks each alias up in a list of all anchors, so their
 * counts are bounded too (far above what a hand-written file uses). */
static int count(struct check *c, const yaml_event_t *ev, size_t *n, size_t max,
                 const char *what)
{
    if (++*n <= max)
        return 0;
    vg_error_set(c->err, VG_EINPUT, c->name, (unsigned)ev->start_mark.line + 1,
                 "more than %zu YAML %s in one file", max, what);
    return VG_EINPUT;
}

static int on_event(struct check *c, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = ev->type == YAML_SCALAR_EVENT ? ev->data.scalar.anchor
                                : ev->type == YAML_SEQUENCE_START_EVENT
                                    ? ev->data.sequence_start.anchor
                                : ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.anchor
                                                                       : NULL;
    if (anchor && count(c, ev, &c->n_anchors, VG_YAML_MAX_ANCHORS, "anchors"))
        return VG_EINPUT;
    if (ev->type == YAML_ALIAS_EVENT && count(c, ev, &c->n_aliases, VG_YAML_MAX_ALIASES, "aliases"))
        return VG_EINPUT;
    switch (ev->type) {
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (c->depth >= VG_YAML_MAX_DEPTH) {
            vg_error_set(c->err, VG_EINPUT, c->name, (unsigned)ev->start_mark.line + 1,
                         "YAML nested deeper than %d levels", VG_YAML_MAX_DEPTH);
            return VG_EINPUT;
        }
        const yaml_char_t *a = ev->type == YAML_SEQUENCE_START_EVENT
                                   ? ev->data.sequence_start.anchor
                                   : ev->data.mapping_start.anchor;
        c->stack[c->depth].size = 1;
        c->stack[c->depth].anchor = dup_anchor(a);
        if (a && !c->stack[c->depth].anchor)
            return fail(c, ev, VG_ENOMEM, "out of memory");
        c->depth++;
        return 0;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        struct frame f = c->stack[--c->depth];
        if (f.anchor && define(c, f.anchor, f.size) != 0)
            return fail(c, ev, VG_ENOMEM, "out of memory");
        add_size(c, f.size);
        return 0;
    }
    case YAML_SCALAR_EVENT: {
        uint64_t size = 1 + ev->data.scalar.length;
        if (ev->data.scalar.anchor) {
            char *name = dup_anchor(ev->data.scalar.anchor);
            if (!name || define(c, name, size) != 0)
                return fail(c, ev, VG_ENOMEM, "out of memory");
        }
        add_size(c, size);
        return 0;
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (int i = 0; i < c->depth; i++) {
            if (c->stack[i].anchor && strcmp(c->stack[i].anchor, name) == 0)
                return fail(c, ev, VG_EINPUT, "YAML alias refers to the node that contains it");
        }
        struct anchor *a = c->cap ? slot(c, name) : NULL;
        if (!a || !a->name)
            return 0; /* undefined: libyaml's loader reports it */
        c->expanded += a->size;
        if (c->expanded > c->limit) {
            vg_error_set(c->err, VG_EINPUT, c->name, (unsigned)ev->start_mark.line + 1,
                         "YAML aliases expand to more than %llu bytes (an alias bomb?); "
                         "write the repeated parts out",
                         (unsigned long long)c->limit);
            return VG_EINPUT;
        }
        add_size(c, a->size);
        return 0;
    }
    default:
        return 0;
    }
}

static int syntax_error(const yaml_parser_t *p, const char *name, vg_error *err)
{
    if (p->error == YAML_MEMORY_ERROR)
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    unsigned line = (unsigned)p->problem_mark.line + 1;
    return vg_error_set(err, VG_EINPUT, name, line, "invalid YAML: %s",
                        p->problem ? p->problem : "parse error");
}

/* The check pass: events only, stopping at the first limit crossed. */
static int check_limits(const char *text, size_t len, const char *name, vg_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    struct check c = {.name = name, .err = err};
    c.limit = VG_YAML_MAX_ALIAS_BYTES + 2 * (uint64_t)len;
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(&p, name, err);
            break;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&c, &ev);
        yaml_event_delete(&ev);
        if (rc || end)
            break;
    }
    for (int i = 0; i < c.depth; i++)
        free(c.stack[i].anchor);
    for (size_t i = 0; i < c.cap; i++)
        free(c.tab[i].name);
    free(c.tab);
    yaml_parser_delete(&p);
    return rc;
}

int vg_yaml_load_any(const char *text, size_t len, const char *name, yaml_document_t *doc,
                     vg_error *err)
{
    if (!text) {
        text = "";
        len = 0;
    }
    int rc = check_limits(text, len, name, err);
    if (rc)
        return rc;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, doc)) {
        rc = syntax_error(&p, name, err);
        yaml_parser_delete(&p);
        return rc;
    }
    yaml_parser_delete(&p);
    return VG_OK;
}

int vg_yaml_load(const char *text, size_t len, const char *name, yaml_document_t *doc,
                 vg_error *err)
{
    int rc = vg_yaml_load_any(text, len, name, doc, err);
    if (rc == VG_OK && !yaml_document_get_root_node(doc)) {
        yaml_document_delete(doc);
        return vg_error_set(err, VG_EINPUT, name, 1, "empty document");
    }
    return rc;
}

yaml_node_t *vg_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = vg_yaml_scalar(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

const char *vg_yaml_scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

unsigned vg_yaml_line(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.line + 1 : 0;
}
