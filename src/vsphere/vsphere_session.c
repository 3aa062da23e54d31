/*
 * The session layer of the vSphere source: ending a session.  Logout and
 * the close that calls it sit above both the SOAP calls (vsphere_soap.c)
 * and the transport (vsphere_http.c), so neither calls back up.
 */
#include "vsphere_internal.h"

/* Best effort: a failed logout leaves a session that times out server-side. */
void vg_vs_logout(vs_conn *c)
{
    if (!c->logged_in)
        return;
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<Logout xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "SessionManager", c->session_mgr);
    vg_buf_adds(&b, "</Logout>");
    vg_vs_call_cleanup(c, "Logout", &b);
    c->logged_in = 0;
    c->cookie[0] = '\0';
}

void vg_vs_conn_close(vs_conn *c)
{
    if (c->curl && c->logged_in) {
        /* always log out (sessions count against the server's limit), even
         * after Ctrl-C, but do not hang on a dead server */
        c->cleanup = 1;
        vg_curl()->easy_setopt(c->curl, CURLOPT_TIMEOUT, 10L);
        vg_vs_destroy_view(c);
        vg_vs_logout(c);
    }
    vg_vs_conn_release(c);
}
