/*
 * Inside the HTML report: the run totals the charts are drawn from (kept
 * while VMs stream past), the page's constant CSS and script, and the chart
 * drawing shared by report_html.c and report_html_chart.c.
 */
#ifndef VG_REPORT_HTML_H
#define VG_REPORT_HTML_H

#include "report/report_internal.h"

struct html_bar {
    char *label; /* VM name or rule id */
    char *title; /* tooltip: path or rule title */
    size_t fails;
    size_t total;
};

struct html_totals {
    size_t by_severity[4][VG_RESULT_STATUS_COUNT];
    struct html_bar *vms;
    size_t n_vms;
    struct html_bar *rules;
    size_t n_rules;
};

extern const char vg_html_css[];
extern const char vg_html_script[];

/* Charts as inline SVG: pass/fail by severity, worst VMs, worst rules. */
void vg_html_chart_severity(xw *x, const struct html_totals *t);
void vg_html_chart_bars(xw *x, const char *title, struct html_bar *bars, size_t n, size_t top);

#endif
