/*
 * The HTML report's charts, drawn as inline SVG so the page needs no
 * library and renders the same with JavaScript off: pass/fail by severity
 * (stacked bars) and the worst VMs / worst rules (bars by failure count).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_html.h"

#define CHART_W 420
#define LABEL_W 170
#define ROW_H 26
#define BAR_H 16

static void svg_open(xw *x, int height, const char *label)
{
    vg_xw_start(x, "svg");
    vg_xw_attr(x, "xmlns", "http://www.w3.org/2000/svg");
    vg_xw_attrf(x, "viewBox", "0 0 %d %d", CHART_W, height);
    vg_xw_attrf(x, "width", "%d", CHART_W);
    vg_xw_attrf(x, "height", "%d", height);
    vg_xw_attr(x, "role", "img");
    vg_xw_attr(x, "aria-label", label);
}

static void svg_text(xw *x, int px, int py, const char *anchor, const char *text)
{
    vg_xw_start(x, "text");
    vg_xw_attrf(x, "x", "%d", px);
    vg_xw_attrf(x, "y", "%d", py);
    if (anchor)
        vg_xw_attr(x, "text-anchor", anchor);
    vg_xw_text(x, text);
    vg_xw_end_full(x);
}

static void svg_rect(xw *x, int px, int py, int w, const char *fill, const char *tip)
{
    vg_xw_start(x, "rect");
    vg_xw_attrf(x, "x", "%d", px);
    vg_xw_attrf(x, "y", "%d", py);
    vg_xw_attrf(x, "width", "%d", w);
    vg_xw_attrf(x, "height", "%d", BAR_H);
    vg_xw_attr(x, "rx", "3");
    vg_xw_attr(x, "fill", fill);
    if (tip)
        vg_xw_elem(x, "title", tip);
    vg_xw_end_full(x);
}

/* label cut to max code points with an ellipsis, for the fixed label column */
static char *short_label(const char *s, size_t max)
{
    vg_buf b = VG_BUF_INIT;
    size_t n = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
            break;
    }
    vg_buf_add(&b, s, i);
    if (s[i])
        vg_buf_adds(&b, "\xE2\x80\xA6");
    return vg_buf_detach(&b);
}

void vg_html_chart_severity(xw *x, const struct html_totals *t)
{
    static const char *const names[4] = {"Info", "Low", "Medium", "High"};
    static const struct {
        vg_result_status st;
        const char *fill, *word;
    } parts[] = {{VG_FAIL, "#c62828", "fail"},
                 {VG_PENDING, "#f9a825", "pending"},
                 {VG_WAIVED, "#00838f", "waived"},
                 {VG_PASS, "#2e7d32", "pass"}};
#define N_PARTS (sizeof parts / sizeof parts[0])
    size_t max = 1;
    for (int s = 0; s < 4; s++) {
        size_t sum = 0;
        for (size_t p = 0; p < N_PARTS; p++)
            sum += t->by_severity[s][parts[p].st];
        max = sum > max ? sum : max;
    }
    svg_open(x, 4 * ROW_H + 24, "pass and fail by severity");
    for (int row = 0; row < 4; row++) {
        int s = 3 - row, y = row * ROW_H + 4, px = 70;
        svg_text(x, 0, y + 12, NULL, names[s]);
        for (size_t p = 0; p < N_PARTS; p++) {
            size_t n = t->by_severity[s][parts[p].st];
            int w = (int)((double)n * (CHART_W - 200) / (double)max);
            char tip[64];
            snprintf(tip, sizeof tip, "%s: %zu %s", names[s], n, parts[p].word);
            if (n)
                svg_rect(x, px, y, w > 2 ? w : 2, parts[p].fill, tip);
            px += n ? (w > 2 ? w : 2) : 0;
        }
        char label[48];
        snprintf(label, sizeof label, "%zu fail / %zu pass", t->by_severity[s][VG_FAIL],
                 t->by_severity[s][VG_PASS] + t->by_severity[s][VG_WAIVED]);
        svg_text(x, px + 6, y + 12, NULL, label);
    }
    for (size_t p = 0; p < N_PARTS; p++) { /* legend */
        int px = 70 + (int)p * 90;
        vg_xw_start(x, "rect");
        vg_xw_attrf(x, "x", "%d", px);
        vg_xw_attrf(x, "y", "%d", 4 * ROW_H + 8);
        vg_xw_attr(x, "width", "10");
        vg_xw_attr(x, "height", "10");
        vg_xw_attr(x, "fill", parts[p].fill);
        vg_xw_end_full(x);
        svg_text(x, px + 14, 4 * ROW_H + 17, NULL, parts[p].word);
    }
    vg_xw_end_full(x);
}

static int by_fails(const void *a, const void *b)
{
    const struct html_bar *x = a, *y = b;
    if (x->fails != y->fails)
        return x->fails < y->fails ? 1 : -1;
    return strcmp(x->label, y->label);
}

void vg_html_chart_bars(xw *x, const char *title, struct html_bar *bars, size_t n, size_t top)
{
    if (n) /* an empty run has no bars (and qsort may not get NULL) */
        qsort(bars, n, sizeof *bars, by_fails);
    size_t shown = 0;
    while (shown < n && shown < top && bars[shown].fails)
        shown++;
    svg_open(x, shown ? (int)shown * ROW_H + 8 : 30, title);
    if (!shown)
        svg_text(x, 0, 18, NULL, "No failures");
    size_t max = shown ? bars[0].fails : 1;
    for (size_t i = 0; i < shown; i++) {
        int y = (int)i * ROW_H + 4;
        char *label = short_label(bars[i].label, 18);
        svg_text(x, LABEL_W - 8, y + 12, "end", label ? label : "");
        free(label);
        int w = (int)((double)bars[i].fails * (CHART_W - LABEL_W - 60) / (double)max);
        svg_rect(x, LABEL_W, y, w > 2 ? w : 2, "#c62828", bars[i].title);
        char num[32];
        snprintf(num, sizeof num, "%zu", bars[i].fails);
        svg_text(x, LABEL_W + (w > 2 ? w : 2) + 6, y + 12, NULL, num);
    }
    vg_xw_end_full(x);
}
